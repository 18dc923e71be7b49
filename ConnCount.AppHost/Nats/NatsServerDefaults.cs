namespace Aspire.Hosting.ApplicationModel;

internal static class NatsServerDefaults
{
    public const string PrimaryEndpointName = "tcp";
    public const string MonitorEndpointName = "monitor";

    // The ports nats-server uses inside its container image.
    public const int ContainerClientPort = 4222;
    public const int ContainerMonitorPort = 8222;

    public const string ImageRegistry = "docker.io";
    public const string Image = "library/nats";
    // Pinned so a new minor release never changes the server under us unannounced.
    public const string ImageTag = "2.12";

    public const string ExecutableName = "nats-server";
}
