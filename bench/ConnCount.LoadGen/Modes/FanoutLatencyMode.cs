using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ConnCount.LoadGen.Phoenix;
using ConnCount.LoadGen.Workload;

namespace ConnCount.LoadGen.Modes;

/// <summary>
/// N member sockets (round-robin over every URL) join topic 0; one more socket, the sender, joins it too and pushes
/// messages one at a time, each carrying its send timestamp (<see cref="Stopwatch"/>, the same clock the receive loops
/// read), the next only once every member has the one before (or the timeout passed), then the spacing. Per message the
/// figure is the time from that timestamp to the last member reading it; every member must read every message once, in
/// order. The sender does not hear its own messages (a rule echoes only with <c>EchoToSender</c>).
/// </summary>
internal sealed class FanoutLatencyMode : ILoadMode, IPushObserver
{
    private static readonly TimeSpan DrainWait = TimeSpan.FromSeconds(5);

    private RunContext _run = null!;
    private Dictionary<long, int>? _memberIndex;
    private int[] _lastSeq = [];
    private int[] _received = [];
    private int[] _arrivals = [];
    private TaskCompletionSource[] _complete = [];
    private int _members;
    private int _warmup;

    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        _run = run;
        run.PushObserver = this;
        var options = run.Options;

        // The sender is the run's first socket, so it goes to the first URL; the members follow round-robin.
        var sender = await run.OpenAsync(cancellationToken);
        var slots = new PhoenixConnection?[options.Sockets];
        var ramp = await SocketRamp.FillAsync(run, slots, joinsPerSocket: 0, cancellationToken);
        var opened = slots.OfType<PhoenixConnection>().ToArray();
        await Workers.ForEachAsync(opened.Length, options.Concurrency, options.Seed, async (i, _) => await opened[i].JoinAsync(0, cancellationToken));
        var members = opened.Where(m => m.IsJoined(0)).ToArray();
        if (sender is null || await sender.JoinAsync(0, cancellationToken) != ReplyOutcome.Ok || members.Length == 0)
        {
            Console.Error.WriteLine("fanout-latency: needs a joined sender and at least one joined member");
            return new ModeOutcome("messages", 0, TimeSpan.Zero);
        }

        _warmup = options.Warmup;
        var total = options.Warmup + options.Messages;
        _members = members.Length;
        _lastSeq = Enumerable.Repeat(-1, members.Length).ToArray();
        _received = new int[members.Length];
        _arrivals = new int[total];
        _complete = new TaskCompletionSource[total];
        Volatile.Write(ref _memberIndex, members.Select((m, i) => (m.Id, i)).ToDictionary(p => p.Id, p => p.i));
        Console.Error.WriteLine($"fanout-latency: {members.Length} of {options.Sockets} members joined after {ramp.TotalSeconds:F1} s over {run.Plan.UrlCount} URL(s); {options.Warmup} + {options.Messages} messages, one at a time");

        var start = Stopwatch.GetTimestamp();
        for (var seq = 0; seq < total && !cancellationToken.IsCancellationRequested; seq++)
        {
            _complete[seq] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sent = Stopwatch.GetTimestamp();
            var push = sender.PushMessageAsync(0, cancellationToken, Payload(seq, sent));
            try
            {
                await _complete[seq].Task.WaitAsync(options.Timeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                run.Failures.Add($"message not received by every member within {options.Timeout.TotalSeconds:F0} s");
            }

            if (await push != ReplyOutcome.Ok)
            {
                run.Failures.Add("message push not acknowledged");
            }

            if (seq >= _warmup)
            {
                Interlocked.Increment(ref run.Counters.LatencyMessages);
            }

            if (options.Spacing > TimeSpan.Zero)
            {
                await Task.Delay(options.Spacing, cancellationToken);
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(start);

        // A message that timed out may still arrive; give stragglers their chance before the exact check.
        var waitUntil = Stopwatch.GetTimestamp() + (long)(DrainWait.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref run.Counters.MessagesComplete) < Volatile.Read(ref run.Counters.LatencyMessages) && Stopwatch.GetTimestamp() < waitUntil)
        {
            await Task.Delay(10, cancellationToken);
        }

        long missing = 0;
        var complete = 0;
        for (var m = 0; m < members.Length; m++)
        {
            var got = Volatile.Read(ref _received[m]);
            missing += Math.Max(0, total - got);
            complete += got == total ? 1 : 0;
        }

        run.Counters.DeliveriesMissing = missing;
        run.Counters.MembersComplete = complete;
        Console.Error.WriteLine($"fanout-latency: {Volatile.Read(ref run.Counters.MessagesComplete)} of {Volatile.Read(ref run.Counters.LatencyMessages)} measured messages reached all {members.Length} members; {complete} members got all {total}; {missing} deliveries missing, {Volatile.Read(ref run.Counters.DeliveriesOutOfOrder)} duplicate or out of order");
        return new ModeOutcome("messages", Volatile.Read(ref run.Counters.LatencyMessages), elapsed);
    }

    public void OnPush(PhoenixConnection connection, ReadOnlySpan<byte> frame)
    {
        var now = Stopwatch.GetTimestamp();
        if (Volatile.Read(ref _memberIndex) is not { } index || !index.TryGetValue(connection.Id, out var member)
            || !PhoenixFrameReader.TryReadPush(frame, out var eventName, out var payload) || !eventName.SequenceEqual("bench_message"u8)
            || !TryReadPayload(payload, out var seq, out var sent) || (uint)seq >= (uint)_arrivals.Length)
        {
            return;
        }

        // One receive loop per member, so its own slots have a single writer.
        if (seq <= _lastSeq[member])
        {
            Interlocked.Increment(ref _run.Counters.DeliveriesOutOfOrder);
            return;
        }

        _lastSeq[member] = seq;
        _received[member]++;
        var elapsed = Stopwatch.GetElapsedTime(sent, now);
        if (seq >= _warmup)
        {
            _run.Latencies.Delivery.Record(elapsed);
        }

        if (Interlocked.Increment(ref _arrivals[seq]) == _members)
        {
            if (seq >= _warmup)
            {
                _run.Latencies.LastDelivery.Record(elapsed);
                Interlocked.Increment(ref _run.Counters.MessagesComplete);
            }

            _complete[seq].TrySetResult();
        }
    }

    private static byte[] Payload(int seq, long sent) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"seq\":{seq},\"sent\":{sent}}}"));

    private static bool TryReadPayload(ReadOnlySpan<byte> payload, out int seq, out long sent)
    {
        seq = -1;
        sent = 0;
        var reader = new Utf8JsonReader(payload);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSeq = reader.ValueTextEquals("seq"u8);
                var isSent = reader.ValueTextEquals("sent"u8);
                reader.Read();
                if (isSeq && reader.TokenType == JsonTokenType.Number)
                {
                    seq = reader.GetInt32();
                }
                else if (isSent && reader.TokenType == JsonTokenType.Number)
                {
                    sent = reader.GetInt64();
                }
                else
                {
                    reader.Skip();
                }
            }

            return seq >= 0 && sent > 0;
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return false;
        }
    }
}
