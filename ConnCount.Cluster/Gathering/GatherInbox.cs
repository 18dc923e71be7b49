using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace ConnCount.Cluster.Gathering;

/// <summary>
/// The replies of every gather on one NATS connection, through one wildcard subscription: each gather gets its own
/// reply subject under this inbox's prefix, and its replies are handed to it on the connection's read loop, as they
/// are read off the wire.
/// </summary>
/// <remarks>
/// <para>
/// NATS.Net's <c>RequestManyAsync</c> gives each request a subscription of its own with a channel of messages; the
/// reader wakes for them on the thread pool, one hop per batch of replies, and then again for whoever awaits the
/// gather. Here a gather's collector sees each reply where it is read and completes once, when the last awaited node
/// has answered: the caller's continuation is the only hop. In paired runs that took about 0.07 off the ratio of
/// <c>GET /api/stats</c> to the raw gather (bench/results/history.md).
/// </para>
/// <para>
/// By default the caller resumes on the thread pool: what it does next must not hold up the connection's reading.
/// The StatsApi's stats gathers resume on the read loop (<c>ConnCount:Cluster:ResumeStatsOnReadLoop</c>): the
/// aggregation and the starting request's answer are short and never block. In the StatsApi, whose socket
/// completions run inline, the read loop is the socket event thread, so the request then ends with no thread-pool
/// wake at all: about 20 µs less in paired runs. Without inline completions, resuming on the read loop measured no
/// faster.
/// </para>
/// <para>
/// The subscription is made on first use and kept for the connection's life (held here: NATS.Net holds subscriptions
/// weakly and drops collected ones); NATS.Net sends it again after every reconnect. The prefix is
/// <c>&lt;InboxPrefix&gt;.&lt;random&gt;.</c>, outside the connection's own inbox, so it is an ordinary subscription on
/// the server and any inbox permission (<c>_INBOX.&gt;</c>) covers it.
/// </para>
/// </remarks>
internal sealed class GatherInbox
{
    private static readonly ConditionalWeakTable<INatsConnection, GatherInbox> Inboxes = [];

    private readonly INatsConnection _nats;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<long, IReplySink> _open = new();
    private readonly Lock _gate = new();
    private Task? _subscribed;

    // The inbox keeps its subscription alive (see the remarks).
    private Subscription? _subscription;
    private long _lastId;

    private GatherInbox(INatsConnection nats)
    {
        _nats = nats;
        _logger = nats.Opts.LoggerFactory.CreateLogger<GatherInbox>();
        _prefix = $"{nats.Opts.InboxPrefix}.{Guid.NewGuid():N}.";
    }

    /// <summary>The inbox of <paramref name="nats"/>, made on first use; it lives as long as the connection.</summary>
    public static GatherInbox Of(INatsConnection nats) => Inboxes.GetValue(nats, static n => new GatherInbox(n));

    /// <summary>Completes once the inbox's subscription is on the wire; a gather opens its lease after that.</summary>
    public Task SubscribedAsync()
    {
        lock (_gate)
        {
            // A subscription that failed (NATS down at the first gather) is tried again by the next gather.
            if (_subscribed is null || _subscribed.IsFaulted || _subscribed.IsCanceled)
            {
                _subscribed = SubscribeAsync();
            }

            return _subscribed;
        }
    }

    /// <summary>A reply subject for <paramref name="sink"/>: every message on it goes to the sink until the lease ends.</summary>
    public Lease Open(IReplySink sink)
    {
        var id = Interlocked.Increment(ref _lastId);
        _open[id] = sink;
        return new Lease(this, id, string.Concat(_prefix, id.ToString(CultureInfo.InvariantCulture)));
    }

    private async Task SubscribeAsync()
    {
        var subscription = new Subscription(this, _nats, _prefix + "*");
        _subscription = subscription;
        await _nats.AddSubAsync(subscription);
    }

    private void Deliver(string subject, ReadOnlySequence<byte>? headers, ReadOnlySequence<byte> payload)
    {
        if (long.TryParse(subject.AsSpan(_prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && _open.TryGetValue(id, out var sink))
        {
            try
            {
                sink.Receive(subject, headers, payload);
            }
            catch (Exception ex)
            {
                // NATS.Net ends a subscription whose handler throws; this one serves every gather, so it must not.
                _logger.LogWarning(ex, "Ignored a reply on {Subject} that could not be read", subject);
            }
        }

        // A reply after its gather ended (a late node) has nobody to go to, as with an ended request subscription.
    }

    /// <summary>Whether a message is NATS's "no responders" status (503 on the header's status line).</summary>
    public static bool IsNoResponders(ReadOnlySequence<byte>? headers, ReadOnlySequence<byte> payload)
    {
        if (payload.Length != 0 || headers is not { Length: >= 12 } h)
        {
            return false;
        }

        Span<byte> status = stackalloc byte[4];
        h.Slice(8, 4).CopyTo(status);
        return status.SequenceEqual(" 503"u8);
    }

    /// <summary>Whoever reads one gather's replies; called on the connection's read loop, one message at a time.</summary>
    public interface IReplySink
    {
        void Receive(string subject, ReadOnlySequence<byte>? headers, ReadOnlySequence<byte> payload);
    }

    /// <summary>A gather's reply subject; disposing it ends delivery to its sink.</summary>
    public readonly struct Lease(GatherInbox inbox, long id, string subject) : IDisposable
    {
        public string Subject { get; } = subject;

        public void Dispose() => inbox._open.TryRemove(id, out _);
    }

    /// <summary>The one wire subscription, on <c>&lt;prefix&gt;*</c>; hands every message to the inbox as it is read.</summary>
    private sealed class Subscription(GatherInbox inbox, INatsConnection nats, string subject)
        : NatsSubBase(nats, nats.SubscriptionManager, subject, queueGroup: null, opts: null)
    {
        protected override ValueTask ReceiveInternalAsync(
            string subject, string? replyTo, ReadOnlySequence<byte>? headersBuffer, ReadOnlySequence<byte> payloadBuffer)
        {
            inbox.Deliver(subject, headersBuffer, payloadBuffer);
            return ValueTask.CompletedTask;
        }

        protected override void TryComplete()
        {
        }
    }
}
