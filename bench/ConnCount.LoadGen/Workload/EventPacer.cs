using System.Diagnostics;

namespace ConnCount.LoadGen.Workload;

/// <summary>Hands out event numbers 0..total-1 to any number of workers, at most <c>rate</c> per second (0 = unpaced).</summary>
internal sealed class EventPacer(long total, double rate)
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private long _issued = -1;

    public long Issued => Math.Min(Volatile.Read(ref _issued) + 1, total);

    /// <summary>The next event number, after waiting for its slot; -1 when all are handed out.</summary>
    public async ValueTask<long> NextAsync(CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _issued);
        if (n >= total)
        {
            return -1;
        }

        if (rate > 0)
        {
            var due = _start + (long)(n / rate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }
        }

        return n;
    }
}
