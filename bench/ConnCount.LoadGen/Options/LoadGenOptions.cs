using System.Net;

namespace ConnCount.LoadGen.Options;

/// <summary>Everything a run is told on the command line, already validated.</summary>
internal sealed record LoadGenOptions
{
    public required LoadMode Mode { get; init; }

    /// <summary>Targets; sockets are spread over them round-robin.</summary>
    public required IReadOnlyList<Uri> Urls { get; init; }

    /// <summary>Local addresses client sockets bind to, round-robin; empty lets the kernel choose.</summary>
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [];

    /// <summary>Sockets held (hold, churn) or kept open for pairs.</summary>
    public int Sockets { get; init; } = 1000;

    public int Topics { get; init; } = 100;

    public string TopicPrefix { get; init; } = "room:";

    public TopicDistribution Distribution { get; init; } = TopicDistribution.Uniform;

    /// <summary>Distinct topics each held socket joins.</summary>
    public int JoinsPerSocket { get; init; } = 1;

    /// <summary>How long the workload runs; null means the mode's own default.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Parallel workers: the connection ramp, cycle loops, churn workers.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Outstanding join/leave pairs per socket in pairs mode.</summary>
    public int Window { get; init; } = 8;

    /// <summary>Total churn events.</summary>
    public long Events { get; init; } = 100_000;

    /// <summary>Churn events per second; 0 runs as fast as acks allow.</summary>
    public double Rate { get; init; }

    public ChurnMix Mix { get; init; } = ChurnMix.Default;

    /// <summary>Measured messages of fanout-latency, sent one at a time.</summary>
    public int Messages { get; init; } = 100;

    /// <summary>Measured join/leave rounds of presence-latency.</summary>
    public int Iterations { get; init; } = 200;

    /// <summary>Unmeasured messages or rounds before the measured ones (JIT, a topic's first subscription).</summary>
    public int Warmup { get; init; } = 10;

    /// <summary>Pause after each latency sample completes, before the next message or round.</summary>
    public TimeSpan Spacing { get; init; } = TimeSpan.Zero;

    /// <summary>Channels a socket may hold before a churn join turns into a leave (Phoenix's default limit).</summary>
    public int MaxChannelsPerSocket { get; init; } = 100;

    public WireProtocol Protocol { get; init; } = WireProtocol.Phoenix;

    public ClientKind Client { get; init; } = ClientKind.Raw;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on a connect, an ack or a close handshake.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Sockets stay open this long after the report is written, so a caller can read the server's stats.</summary>
    public TimeSpan Linger { get; init; } = TimeSpan.Zero;

    /// <summary>Interval of the progress line on stderr; zero turns it off.</summary>
    public TimeSpan Progress { get; init; } = TimeSpan.FromSeconds(5);

    public int Seed { get; init; } = 42;

    /// <summary>Where the JSON report goes: a path, <c>-</c> for stdout, or null for none.</summary>
    public string? JsonPath { get; init; }

    public TimeSpan EffectiveDuration => Duration ?? TimeSpan.FromSeconds(10);
}
