using System.Diagnostics;
using ConnCount.LoadGen.Options;
using ConnCount.LoadGen.Phoenix;
using ConnCount.LoadGen.Workload;

namespace ConnCount.LoadGen.Modes;

/// <summary>
/// Opens a pool of sockets, then fires a fixed number of random events at random sockets: join a topic
/// (a rejoin when already joined), leave one, close (handshake) or abort (reset) the socket, which is then
/// replaced by a fresh one with its own joins. The ledger at the end is what the servers should count.
/// </summary>
internal sealed class ChurnMode : ILoadMode
{
    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        var options = run.Options;
        var slots = new PhoenixConnection?[options.Sockets];
        var busy = new int[options.Sockets];
        var ramp = await SocketRamp.FillAsync(run, slots, options.JoinsPerSocket, cancellationToken);
        Console.Error.WriteLine($"churn: {slots.Count(s => s is not null)} sockets open after {ramp.TotalSeconds:F1} s; {options.Events} events, mix {options.Mix}, rate {(options.Rate > 0 ? options.Rate : "unpaced")}");

        var pacer = new EventPacer(options.Events, options.Rate);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Duration is { } limit)
        {
            deadline.CancelAfter(limit);
        }

        long completed = 0;
        var start = Stopwatch.GetTimestamp();
        await Workers.RunAsync(Math.Min(options.Concurrency, options.Sockets), options.Seed + 1, async (_, random) =>
        {
            while (!deadline.IsCancellationRequested)
            {
                long n;
                try
                {
                    n = await pacer.NextAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested)
                {
                    break;
                }

                if (n < 0)
                {
                    break;
                }

                var slot = Claim(busy, random);
                try
                {
                    await RunEventAsync(run, slots, slot, PickKind(options.Mix, random), random, cancellationToken);
                    Interlocked.Increment(ref completed);
                }
                finally
                {
                    Volatile.Write(ref busy[slot], 0);
                }
            }
        });

        return new ModeOutcome("events", completed, Stopwatch.GetElapsedTime(start));
    }

    private static async Task RunEventAsync(RunContext run, PhoenixConnection?[] slots, int slot, ChurnKind kind, Random random, CancellationToken cancellationToken)
    {
        var connection = slots[slot];
        if (connection is not { IsAlive: true })
        {
            // The server dropped it, or an earlier replacement failed to connect.
            Interlocked.Increment(ref run.Counters.ChurnReconnects);
            connection = slots[slot] = await SocketRamp.OpenJoinedAsync(run, run.Options.JoinsPerSocket, random, cancellationToken);
            if (connection is null)
            {
                Interlocked.Increment(ref run.Counters.ChurnSkipped);
                return;
            }
        }

        // A join on a full socket becomes a leave, a leave on an empty one a join.
        if (kind == ChurnKind.Join && connection.JoinedCount >= run.Options.MaxChannelsPerSocket)
        {
            kind = ChurnKind.Leave;
        }

        var leaveTopic = -1;
        if (kind == ChurnKind.Leave && !connection.TryPickJoinedTopic(random, out leaveTopic))
        {
            kind = ChurnKind.Join;
        }

        switch (kind)
        {
            case ChurnKind.Join:
                Interlocked.Increment(ref run.Counters.ChurnJoins);
                await connection.JoinAsync(run.Sampler.Next(random), cancellationToken);
                break;
            case ChurnKind.Leave:
                Interlocked.Increment(ref run.Counters.ChurnLeaves);
                await connection.LeaveAsync(leaveTopic, cancellationToken);
                break;
            case ChurnKind.Close:
                Interlocked.Increment(ref run.Counters.ChurnCloses);
                await connection.CloseAsync(cancellationToken);
                slots[slot] = await SocketRamp.OpenJoinedAsync(run, run.Options.JoinsPerSocket, random, cancellationToken);
                break;
            case ChurnKind.Abort:
                Interlocked.Increment(ref run.Counters.ChurnAborts);
                connection.Abort();
                slots[slot] = await SocketRamp.OpenJoinedAsync(run, run.Options.JoinsPerSocket, random, cancellationToken);
                break;
        }
    }

    /// <summary>Takes a random socket no other worker is using; workers never outnumber sockets, so one is free.</summary>
    private static int Claim(int[] busy, Random random)
    {
        while (true)
        {
            var slot = random.Next(busy.Length);
            if (Interlocked.CompareExchange(ref busy[slot], 1, 0) == 0)
            {
                return slot;
            }
        }
    }

    private static ChurnKind PickKind(ChurnMix mix, Random random)
    {
        var roll = random.Next(mix.Total);
        return roll < mix.Join ? ChurnKind.Join
            : roll < mix.Join + mix.Leave ? ChurnKind.Leave
            : roll < mix.Join + mix.Leave + mix.Close ? ChurnKind.Close
            : ChurnKind.Abort;
    }

    private enum ChurnKind
    {
        Join,
        Leave,
        Close,
        Abort,
    }
}
