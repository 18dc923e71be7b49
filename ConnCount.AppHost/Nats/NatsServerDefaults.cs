namespace Aspire.Hosting.ApplicationModel;

internal static class NatsServerDefaults
{
    public const string PrimaryEndpointName = "tcp";
    public const string MonitorEndpointName = "monitor";
    public const string ClusterEndpointName = "cluster";

    // The ports nats-server uses inside its container image.
    public const int ContainerClientPort = 4222;
    public const int ContainerMonitorPort = 8222;

    public const string ImageRegistry = "docker.io";
    public const string Image = "library/nats";
    // Pinned so a new minor release never changes the server under us unannounced.
    public const string ImageTag = "2.12";

    public const string ExecutableName = "nats-server";

    // Every server of a ConnCount cluster carries this name, so routes from another cluster are refused.
    public const string ClusterName = "conncount";
}
