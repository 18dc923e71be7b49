using System.Diagnostics;
using ConnCount.LoadGen.Options;
using ConnCount.LoadGen.Phoenix;
using ConnCount.LoadGen.Workload;

namespace ConnCount.LoadGen.Modes;

/// <summary>Opens a pool of sockets with bounded parallelism, each joining its own distinct topics.</summary>
internal static class SocketRamp
{
    /// <summary>Fills <paramref name="slots"/>; a slot stays null when its connect failed.</summary>
    public static async Task<TimeSpan> FillAsync(RunContext run, PhoenixConnection?[] slots, int joinsPerSocket, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        await Workers.ForEachAsync(slots.Length, run.Options.Concurrency, run.Options.Seed, async (slot, random) =>
        {
            slots[slot] = await OpenJoinedAsync(run, joinsPerSocket, random, cancellationToken);
        });
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Opens one socket and joins <paramref name="joins"/> distinct topics, pipelined.</summary>
    public static async Task<PhoenixConnection?> OpenJoinedAsync(RunContext run, int joins, Random random, CancellationToken cancellationToken)
    {
        var connection = await run.OpenAsync(cancellationToken);
        if (connection is null || joins == 0 || run.Options.Protocol == WireProtocol.None)
        {
            return connection;
        }

        var topics = new int[joins];
        run.Sampler.NextDistinct(random, topics);
        await Task.WhenAll(topics.Select(topic => connection.JoinAsync(topic, cancellationToken)));
        return connection;
    }
}
