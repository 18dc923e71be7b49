using System.Diagnostics;
using ConnCount.LoadGen.Phoenix;

namespace ConnCount.LoadGen.Modes;

/// <summary>
/// Every one of K sockets joins topic 0; the first pushes messages, W in flight, for the duration; each other socket
/// receives every message as a broadcast. Reports broadcasts received per second, counted until the last message
/// sent has had its chance to arrive (the node answers a push once NATS has it, before delivering it).
/// </summary>
internal sealed class FanoutMode : ILoadMode
{
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(5);

    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        var slots = new PhoenixConnection?[run.Options.Sockets];
        await SocketRamp.FillAsync(run, slots, joinsPerSocket: 0, cancellationToken);
        var members = slots.OfType<PhoenixConnection>().ToList();
        foreach (var member in members)
        {
            await member.JoinAsync(0, cancellationToken);
        }

        var sender = members.FirstOrDefault(m => m.IsJoined(0));
        var receivers = members.Count(m => m.IsJoined(0)) - 1;
        if (sender is null || receivers < 1)
        {
            Console.Error.WriteLine("fanout: needs at least two joined sockets");
            return new ModeOutcome("deliveries", 0, TimeSpan.Zero);
        }

        Console.Error.WriteLine($"fanout: 1 sender, {receivers} receivers on one topic; {run.Options.Window} messages in flight");
        var before = Volatile.Read(ref run.Counters.Pushes);
        var start = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Options.EffectiveDuration);
        var lanes = Enumerable.Range(0, run.Options.Window)
            .Select(_ => Task.Run(() => RunLaneAsync(sender, deadline.Token, cancellationToken), CancellationToken.None))
            .ToList();
        await Task.WhenAll(lanes);

        // Every acknowledged message reaches every receiver; wait for the stragglers, then count.
        var expected = before + (Volatile.Read(ref run.Counters.MessagesAcked) * receivers);
        var waitUntil = Stopwatch.GetTimestamp() + (long)(DrainWait.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref run.Counters.Pushes) < expected && Stopwatch.GetTimestamp() < waitUntil)
        {
            await Task.Delay(10, cancellationToken);
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        var delivered = Volatile.Read(ref run.Counters.Pushes) - before;
        Console.Error.WriteLine($"fanout: {Volatile.Read(ref run.Counters.MessagesAcked)} messages acknowledged, {delivered} of {expected - before} deliveries received");
        return new ModeOutcome("deliveries", delivered, elapsed);
    }

    private static async Task RunLaneAsync(PhoenixConnection sender, CancellationToken deadline, CancellationToken cancellationToken)
    {
        while (!deadline.IsCancellationRequested && sender.IsAlive)
        {
            await sender.PushMessageAsync(0, cancellationToken);
        }
    }
}
