namespace ConnCount.GatherBench;

/// <summary>What one run measured. Fields a mode does not fill stay zero. <see cref="Raw"/>: the raw gathers of a paired run.</summary>
internal sealed record GatherReport(
    string Mode,
    string Target,
    int Nodes,
    LatencySummary Latency,
    long Errors,
    long Timeouts,
    PollersReport? Pollers,
    LatencySummary? Raw = null);

/// <summary>
/// The pollers run: throughput, and the coalescing evidence. <see cref="Gathers"/> counts the requests the
/// NATS subscriber saw on the stats subject while the HTTP requests were served: with coalescing it is far
/// below <see cref="Requests"/>.
/// </summary>
internal sealed record PollersReport(
    int Pollers,
    double Seconds,
    long Requests,
    double RequestsPerSecond,
    long Gathers,
    double RequestsPerGather,
    int BurstRequests,
    long BurstGathers,
    double BurstSeconds);
