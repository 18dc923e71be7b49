using System.Diagnostics;
using System.Text.Json;
using ConnCount.LoadGen.Phoenix;

namespace ConnCount.LoadGen.Modes;

/// <summary>
/// A watcher socket (first URL) joins topic 0, a presence topic; a joiner socket (second URL, so another node) joins
/// and leaves it, one round at a time. The node tracks a presence right after the join reply, so the figure is the time
/// from the joiner's receive loop reading its join reply to the watcher's receive loop reading the
/// <c>presence_diff</c> that carries the join; also from the join's send, and from the leave's send to its diff. Rounds
/// follow each other closely (only the spacing between), so the joiner's node keeps the topic open (2 s grace) and the
/// measured rounds see the steady state, not the topic's first subscription and sync.
/// </summary>
internal sealed class PresenceLatencyMode : ILoadMode, IPushObserver
{
    private RunContext _run = null!;
    private PhoenixConnection? _watcher;
    private TaskCompletionSource<long>? _joinSeen;
    private TaskCompletionSource<long>? _leaveSeen;

    public async Task<ModeOutcome> RunAsync(RunContext run, CancellationToken cancellationToken)
    {
        _run = run;
        run.PushObserver = this;
        var options = run.Options;

        // The run's first socket goes to the first URL, its second to the second.
        var watcher = await run.OpenAsync(cancellationToken);
        var joiner = await run.OpenAsync(cancellationToken);
        Volatile.Write(ref _watcher, watcher);
        if (watcher is null || joiner is null || await watcher.JoinAsync(0, cancellationToken) != ReplyOutcome.Ok)
        {
            Console.Error.WriteLine("presence-latency: the watcher and the joiner must connect and the watcher must join");
            return new ModeOutcome("rounds", 0, TimeSpan.Zero);
        }

        var total = options.Warmup + options.Iterations;
        Console.Error.WriteLine($"presence-latency: watcher on {options.Urls[0]}, joiner on {options.Urls[1]}; {options.Warmup} + {options.Iterations} join/leave rounds");
        long measured = 0;
        var start = Stopwatch.GetTimestamp();
        for (var round = 0; round < total && !cancellationToken.IsCancellationRequested; round++)
        {
            var measure = round >= options.Warmup;
            var joinSeen = Expect(ref _joinSeen);
            var joined = await joiner.JoinTimedAsync(0, cancellationToken);
            if (joined.Outcome != ReplyOutcome.Ok)
            {
                run.Failures.Add($"joiner's join: {joined.Outcome}");
                break;
            }

            if (await SeenAsync(joinSeen, options.Timeout, cancellationToken) is { } joinDiffAt && measure)
            {
                if (joinDiffAt < joined.ReplyTimestamp)
                {
                    // Both receive loops raced and the watcher's won: the diff came no later than the reply.
                    Interlocked.Increment(ref run.Counters.PresenceDiffsBeforeReply);
                    run.Latencies.PresenceJoin.Record(TimeSpan.Zero);
                }
                else
                {
                    run.Latencies.PresenceJoin.Record(Stopwatch.GetElapsedTime(joined.ReplyTimestamp, joinDiffAt));
                }

                run.Latencies.PresenceJoinFromSend.Record(Stopwatch.GetElapsedTime(joined.SentTimestamp, joinDiffAt));
                measured++;
            }

            var leaveSeen = Expect(ref _leaveSeen);
            var leaveSent = Stopwatch.GetTimestamp();
            await joiner.LeaveAsync(0, cancellationToken);
            if (await SeenAsync(leaveSeen, options.Timeout, cancellationToken) is { } leaveDiffAt && measure)
            {
                run.Latencies.PresenceLeave.Record(Stopwatch.GetElapsedTime(leaveSent, leaveDiffAt));
            }

            if (options.Spacing > TimeSpan.Zero)
            {
                await Task.Delay(options.Spacing, cancellationToken);
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(start);
        Console.Error.WriteLine($"presence-latency: {measured} of {options.Iterations} measured joins seen by the watcher; {Volatile.Read(ref run.Counters.PresenceDiffsMissed)} diffs missed");
        return new ModeOutcome("rounds", measured, elapsed);
    }

    public void OnPush(PhoenixConnection connection, ReadOnlySpan<byte> frame)
    {
        var now = Stopwatch.GetTimestamp();
        if (!ReferenceEquals(connection, Volatile.Read(ref _watcher))
            || !PhoenixFrameReader.TryReadPush(frame, out var eventName, out var payload) || !eventName.SequenceEqual("presence_diff"u8))
        {
            return;
        }

        var (joins, leaves) = CountKeys(payload);
        if (joins > 0)
        {
            Interlocked.Increment(ref _run.Counters.PresenceJoinDiffs);
            Interlocked.Exchange(ref _joinSeen, null)?.TrySetResult(now);
        }

        if (leaves > 0)
        {
            Interlocked.Increment(ref _run.Counters.PresenceLeaveDiffs);
            Interlocked.Exchange(ref _leaveSeen, null)?.TrySetResult(now);
        }
    }

    private static TaskCompletionSource<long> Expect(ref TaskCompletionSource<long>? slot)
    {
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref slot, seen);
        return seen;
    }

    /// <summary>When the watcher read the diff, or null (counted) when it did not come within the timeout.</summary>
    private async Task<long?> SeenAsync(TaskCompletionSource<long> seen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await seen.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            Interlocked.Increment(ref _run.Counters.PresenceDiffsMissed);
            _run.Failures.Add("presence_diff not seen by the watcher");
            return null;
        }
    }

    /// <summary>The keys in the diff's <c>joins</c> and <c>leaves</c> objects.</summary>
    private static (int Joins, int Leaves) CountKeys(ReadOnlySpan<byte> payload)
    {
        int joins = 0, leaves = 0;
        var reader = new Utf8JsonReader(payload);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (0, 0);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isJoins = reader.ValueTextEquals("joins"u8);
                var isLeaves = reader.ValueTextEquals("leaves"u8);
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                var keys = 0;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    keys++;
                    reader.Read();
                    reader.Skip();
                }

                if (isJoins)
                {
                    joins = keys;
                }
                else if (isLeaves)
                {
                    leaves = keys;
                }
            }
        }
        catch (JsonException)
        {
            return (0, 0);
        }

        return (joins, leaves);
    }
}
