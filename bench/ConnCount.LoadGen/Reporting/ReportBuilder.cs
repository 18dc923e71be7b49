using System.Runtime;
using ConnCount.LoadGen.Modes;

namespace ConnCount.LoadGen.Reporting;

/// <summary>Gathers a run's figures into a <see cref="RunReport"/>.</summary>
internal static class ReportBuilder
{
    public static RunReport Build(RunContext run, ModeOutcome outcome, DateTimeOffset startedAt, TimeSpan elapsed, bool settled, bool complete, ProcessMemory idle)
    {
        var options = run.Options;
        var ledgerTopics = run.Ledger.Snapshot(run.Topics);
        var settings = new RunSettings(
            options.Sockets,
            options.Topics,
            options.TopicPrefix,
            options.Distribution.ToString(),
            options.JoinsPerSocket,
            (options.Mode == Options.LoadMode.Churn ? options.Duration ?? TimeSpan.Zero : options.EffectiveDuration).TotalSeconds,
            options.Concurrency,
            options.Window,
            options.Events,
            options.Rate,
            options.Mix.ToString(),
            options.Protocol.ToString().ToLowerInvariant(),
            options.Client.ToString().ToLowerInvariant(),
            options.HeartbeatInterval.TotalSeconds,
            options.Timeout.TotalSeconds,
            options.Seed);

        return new RunReport(
            ModeName(options.Mode),
            complete,
            startedAt,
            Math.Round(elapsed.TotalSeconds, 3),
            [.. options.Urls.Select(u => u.ToString())],
            [.. options.SourceAddresses.Select(a => a.ToString())],
            settings,
            new RateReport(outcome.Unit, outcome.Count, Math.Round(outcome.Elapsed.TotalSeconds, 3), Math.Round(outcome.PerSecond, 1)),
            settled,
            run.Counters.Snapshot(),
            run.Latencies.Summarize(),
            new LedgerReport(ledgerTopics.Values.Sum(v => (long)v), ledgerTopics.Count, ledgerTopics),
            CaptureProcess(run, idle),
            run.Failures.Snapshot());
    }

    public static string ModeName(Options.LoadMode mode) => mode switch
    {
        Options.LoadMode.ConnectClose => "connect-close",
        Options.LoadMode.FanoutLatency => "fanout-latency",
        Options.LoadMode.PresenceLatency => "presence-latency",
        _ => mode.ToString().ToLowerInvariant(),
    };

    private static ProcessReport CaptureProcess(RunContext run, ProcessMemory idle)
    {
        var now = ProcessMemory.Capture();
        var open = Volatile.Read(ref run.Counters.OpenSockets);
        double PerSocket(long current, long before) => open > 0 ? Math.Round((current - before) / (double)open, 0) : 0;
        return new ProcessReport(
            open,
            now.WorkingSetBytes,
            idle.WorkingSetBytes,
            PerSocket(now.WorkingSetBytes, idle.WorkingSetBytes),
            now.LiveHeapBytes,
            idle.LiveHeapBytes,
            PerSocket(now.LiveHeapBytes, idle.LiveHeapBytes),
            GCSettings.IsServerGC);
    }
}
