namespace ConnCount.LoadGen.Workload;

/// <summary>
/// What the server should count per topic, from this client's point of view: +1 when a join is acknowledged,
/// -1 when a leave is acknowledged, the server drops a channel, or the socket closes or aborts.
/// Moved only by the connection's receive loop and teardown, so it follows the server's order of events.
/// </summary>
internal sealed class Ledger(int topics)
{
    private readonly int[] _counts = new int[topics];

    public void Increment(int topic) => Interlocked.Increment(ref _counts[topic]);

    public void Decrement(int topic) => Interlocked.Decrement(ref _counts[topic]);

    public long Total()
    {
        long total = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            total += Volatile.Read(ref _counts[i]);
        }

        return total;
    }

    /// <summary>Non-zero topics by name. A negative entry would be a bug in this program, so it is kept visible.</summary>
    public IReadOnlyDictionary<string, int> Snapshot(TopicSet names)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _counts.Length; i++)
        {
            var count = Volatile.Read(ref _counts[i]);
            if (count != 0)
            {
                result[names.NameOf(i)] = count;
            }
        }

        return result;
    }
}
