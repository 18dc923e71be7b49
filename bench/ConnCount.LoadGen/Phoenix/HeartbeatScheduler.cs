using System.Diagnostics;

namespace ConnCount.LoadGen.Phoenix;

/// <summary>
/// Sends each open connection a Phoenix heartbeat once per interval, as phoenix.js does, so the server's
/// 60 s idle timeout never fires. One loop for the whole run instead of a timer per socket; sockets are
/// due at their own connect time plus multiples of the interval, so the heartbeats spread like the ramp did.
/// </summary>
internal sealed class HeartbeatScheduler(ConnectionRegistry registry, TimeSpan interval)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        var tick = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond, Math.Max(interval.Ticks / 4, TimeSpan.TicksPerMillisecond * 50)));
        using var timer = new PeriodicTimer(tick);
        var sends = new List<Task>();
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var now = Stopwatch.GetTimestamp();
                foreach (var connection in registry.Open)
                {
                    if (connection.TakeHeartbeatDue(now, intervalTicks))
                    {
                        sends.Add(connection.SendHeartbeatAsync(cancellationToken));
                    }
                }

                await Task.WhenAll(sends);
                sends.Clear();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }
}
