using ConnCount.Cluster.Contracts;
using NATS.Client.Core;

namespace ConnCount.GatherBench;

/// <summary>
/// A silent extra subscriber on <see cref="NatsSubjects.Stats"/>: the scatter reaches every subscriber (no
/// queue group), so it sees each gather the stats API starts, and never answers one.
/// </summary>
internal sealed class GatherCounter : IAsyncDisposable
{
    private readonly INatsSub<object?> _subscription;
    private readonly Task _loop;
    private long _seen;

    private GatherCounter(INatsSub<object?> subscription)
    {
        _subscription = subscription;
        _loop = CountAsync();
    }

    public long Seen => Interlocked.Read(ref _seen);

    /// <summary>Subscribes and returns once the server has the subscription, so no gather is missed.</summary>
    public static async Task<GatherCounter> StartAsync(NatsConnection nats, CancellationToken cancellationToken)
    {
        var subscription = await nats.SubscribeCoreAsync<object?>(NatsSubjects.Stats, cancellationToken: cancellationToken);
        await nats.PingAsync(cancellationToken);
        return new GatherCounter(subscription);
    }

    public async ValueTask DisposeAsync()
    {
        await _subscription.UnsubscribeAsync();
        await _loop;
        await _subscription.DisposeAsync();
    }

    private async Task CountAsync()
    {
        await foreach (var _ in _subscription.Msgs.ReadAllAsync())
        {
            Interlocked.Increment(ref _seen);
        }
    }
}
