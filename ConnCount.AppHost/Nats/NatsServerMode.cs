namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// How a NATS server resource runs, read from the <c>ConnCount:Nats:Mode</c> configuration value.
/// Publishing always produces a container, whatever the mode.
/// </summary>
public enum NatsServerMode
{
    /// <summary>The <c>nats-server</c> executable when it is on <c>PATH</c>, else a container.</summary>
    Auto,

    /// <summary>Always the <c>nats-server</c> executable; fails when it is not on <c>PATH</c>.</summary>
    Executable,

    /// <summary>Always the <c>nats</c> container image.</summary>
    Container,
}
