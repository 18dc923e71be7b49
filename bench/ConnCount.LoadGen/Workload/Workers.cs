namespace ConnCount.LoadGen.Workload;

/// <summary>Runs a fixed number of worker loops, each with its own seeded <see cref="Random"/>.</summary>
internal static class Workers
{
    public static Task RunAsync(int count, int seed, Func<int, Random, Task> body) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(id => Task.Run(() => body(id, new Random(unchecked((seed * 7919) + id))))));

    /// <summary>Runs <paramref name="body"/> for items 0..items-1 on <paramref name="count"/> workers.</summary>
    public static Task ForEachAsync(long items, int count, int seed, Func<long, Random, Task> body)
    {
        long next = -1;
        return RunAsync((int)Math.Min(count, Math.Max(1, items)), seed, async (_, random) =>
        {
            for (var item = Interlocked.Increment(ref next); item < items; item = Interlocked.Increment(ref next))
            {
                await body(item, random);
            }
        });
    }
}
