using System.Diagnostics;
using System.Globalization;

namespace ConnCount.LoadGen.Reporting;

/// <summary>A progress line on stderr every interval, so a long run shows it is alive.</summary>
internal sealed class ProgressReporter(LoadCounters counters, TimeSpan interval)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Console.Error.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{Stopwatch.GetElapsedTime(start).TotalSeconds,7:F1}s] open {Volatile.Read(ref counters.OpenSockets)} opened {Volatile.Read(ref counters.SocketsOpened)} failed {Volatile.Read(ref counters.SocketsFailed)} joins {Volatile.Read(ref counters.JoinsAcked)} leaves {Volatile.Read(ref counters.LeavesAcked)} cycles {Volatile.Read(ref counters.Cycles)} pairs {Volatile.Read(ref counters.Pairs)} heartbeats {Volatile.Read(ref counters.HeartbeatsAcked)}/{Volatile.Read(ref counters.HeartbeatsSent)}"));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }
}
