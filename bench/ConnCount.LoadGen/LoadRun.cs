using System.Diagnostics;
using ConnCount.LoadGen.Modes;
using ConnCount.LoadGen.Options;
using ConnCount.LoadGen.Phoenix;
using ConnCount.LoadGen.Reporting;

namespace ConnCount.LoadGen;

/// <summary>
/// One run from start to end: the workload, then the report (sockets still open, so the ledger can be
/// compared with the servers), then the optional linger, then teardown. Heartbeats run throughout.
/// </summary>
internal static class LoadRun
{
    public static async Task<int> ExecuteAsync(LoadGenOptions options, CancellationToken stop)
    {
        using var run = await RunContext.CreateAsync(options, stop);
        var idle = ProcessMemory.Capture();

        using var background = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var heartbeats = options.Protocol == WireProtocol.Phoenix
            ? new HeartbeatScheduler(run.Registry, options.HeartbeatInterval).RunAsync(background.Token)
            : Task.CompletedTask;
        var progress = options.Progress > TimeSpan.Zero
            ? new ProgressReporter(run.Counters, options.Progress).RunAsync(background.Token)
            : Task.CompletedTask;

        var startedAt = DateTimeOffset.UtcNow;
        var start = Stopwatch.GetTimestamp();
        ModeOutcome outcome;
        try
        {
            outcome = await CreateMode(options.Mode).RunAsync(run, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            outcome = new ModeOutcome("interrupted", 0, Stopwatch.GetElapsedTime(start));
        }

        // Replies still in flight move the ledger; let them land before it is read.
        var settleLimit = stop.IsCancellationRequested ? TimeSpan.FromSeconds(1) : options.Timeout;
        var settled = await run.WaitForRepliesAsync(settleLimit, CancellationToken.None);
        var report = ReportBuilder.Build(run, outcome, startedAt, Stopwatch.GetElapsedTime(start), settled, !stop.IsCancellationRequested, idle);
        await ReportWriter.WriteAsync(report, options.JsonPath, CancellationToken.None);

        if (options.Linger > TimeSpan.Zero && !stop.IsCancellationRequested)
        {
            Console.Error.WriteLine($"lingering {options.Linger.TotalSeconds:F0} s with {run.Registry.Count} sockets open");
            try
            {
                await Task.Delay(options.Linger, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Asked to stop: go straight to teardown.
            }
        }

        await Teardown.RunAsync(run, graceful: !stop.IsCancellationRequested, CancellationToken.None);
        await background.CancelAsync();
        await Task.WhenAll(heartbeats, progress);

        // 130, as a shell reports an interrupted command; the report says complete: false.
        return stop.IsCancellationRequested ? 130 : 0;
    }

    private static ILoadMode CreateMode(LoadMode mode) => mode switch
    {
        LoadMode.Hold => new HoldMode(),
        LoadMode.Cycle => new CycleMode(),
        LoadMode.ConnectClose => new ConnectCloseMode(),
        LoadMode.Pairs => new PairsMode(),
        LoadMode.Churn => new ChurnMode(),
        LoadMode.Fanout => new FanoutMode(),
        LoadMode.FanoutLatency => new FanoutLatencyMode(),
        LoadMode.PresenceLatency => new PresenceLatencyMode(),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };
}
