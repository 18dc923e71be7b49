namespace ConnCount.LoadGen.Reporting;

/// <summary>
/// The JSON report. <see cref="Ledger"/> is the client's own account of what the servers should count per
/// topic at the moment the report was written (sockets still open); compare it with the servers' stats.
/// </summary>
internal sealed record RunReport(
    string Mode,
    bool Complete,
    DateTimeOffset StartedAt,
    double ElapsedSeconds,
    IReadOnlyList<string> Urls,
    IReadOnlyList<string> SourceAddresses,
    RunSettings Settings,
    RateReport Rate,
    bool RepliesSettled,
    IReadOnlyDictionary<string, long> Counters,
    IReadOnlyDictionary<string, LatencySummary> LatencyMs,
    LedgerReport Ledger,
    ProcessReport Process,
    IReadOnlyDictionary<string, long> Failures);

/// <summary>The effective settings, so a report can be read without its command line.</summary>
internal sealed record RunSettings(
    int Sockets,
    int Topics,
    string TopicPrefix,
    string Distribution,
    int JoinsPerSocket,
    double DurationSeconds,
    int Concurrency,
    int Window,
    long Events,
    double Rate,
    string Mix,
    string Protocol,
    string Client,
    double HeartbeatSeconds,
    double TimeoutSeconds,
    int Seed);

/// <summary>The mode's headline: how many of what per second.</summary>
internal sealed record RateReport(string Unit, long Count, double Seconds, double PerSecond);

/// <summary>Expected count per topic (non-zero topics only) and their sum.</summary>
internal sealed record LedgerReport(long Total, int TopicCount, IReadOnlyDictionary<string, int> Topics);

/// <summary>
/// This client's own memory while its sockets are open. Per-socket figures are the growth over the process
/// before the run (so they include one-off costs such as JIT, which fade as the socket count grows).
/// </summary>
internal sealed record ProcessReport(
    long OpenSockets,
    long WorkingSetBytes,
    long IdleWorkingSetBytes,
    double WorkingSetBytesPerSocket,
    long LiveHeapBytes,
    long IdleLiveHeapBytes,
    double LiveHeapBytesPerSocket,
    bool ServerGc);
