namespace ConnCount.Baseline;

/// <summary>Prints a memory line to stdout every interval while the open socket count changes, and once more when it settles.</summary>
internal sealed class MemoryReporter(SocketGauge gauge, IdleMemory idle, IHostApplicationLifetime lifetime, IConfiguration configuration) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(configuration.GetValue("report-interval-seconds", 5.0));
        if (!await WaitForStartAsync(stoppingToken))
        {
            return;
        }

        idle.Capture();
        Console.Out.WriteLine($"baseline: idle {MemorySnapshot.Capture(gauge, idle.WorkingSet).ToLine()}");
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        var lastPrinted = (Open: 0L, Accepted: 0L);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var current = (gauge.Open, gauge.Accepted);
                if (current != lastPrinted)
                {
                    Console.Out.WriteLine($"baseline: {MemorySnapshot.Capture(gauge, idle.WorkingSet).ToLine()}");
                    lastPrinted = current;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task<bool> WaitForStartAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onStopping = stoppingToken.Register(() => started.TrySetCanceled(stoppingToken));
        try
        {
            await started.Task;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
