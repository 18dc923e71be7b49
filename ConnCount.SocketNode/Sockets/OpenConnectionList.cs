using System.Runtime.CompilerServices;

namespace ConnCount.SocketNode.Sockets;

/// <summary>
/// Every open connection of the node, as an intrusive list: the links are fields of the connections themselves, so
/// knowing a socket costs it two references and a flag, not a dictionary node (about 56 bytes per idle socket).
/// Striped by the connection's identity hash, so connects and closes on different cores rarely share a lock.
/// </summary>
internal sealed class OpenConnectionList
{
    private const int StripeCount = 8;

    private readonly Stripe[] _stripes = [.. Enumerable.Range(0, StripeCount).Select(_ => new Stripe())];
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Add(PhoenixConnection connection)
    {
        var stripe = StripeOf(connection);
        lock (stripe.Gate)
        {
            if (connection.Listed)
            {
                return;
            }

            connection.ListNext = stripe.Head;
            connection.ListPrev = null;
            if (stripe.Head is { } head)
            {
                head.ListPrev = connection;
            }

            stripe.Head = connection;
            connection.Listed = true;
        }

        Interlocked.Increment(ref _count);
    }

    public void Remove(PhoenixConnection connection)
    {
        var stripe = StripeOf(connection);
        lock (stripe.Gate)
        {
            if (!connection.Listed)
            {
                return;
            }

            if (connection.ListPrev is { } prev)
            {
                prev.ListNext = connection.ListNext;
            }
            else
            {
                stripe.Head = connection.ListNext;
            }

            if (connection.ListNext is { } next)
            {
                next.ListPrev = connection.ListPrev;
            }

            connection.ListPrev = connection.ListNext = null;
            connection.Listed = false;
        }

        Interlocked.Decrement(ref _count);
    }

    public bool Contains(PhoenixConnection connection)
    {
        lock (StripeOf(connection).Gate)
        {
            return connection.Listed;
        }
    }

    /// <summary>The connections <paramref name="match"/> selects (all when it is null), copied out; it runs under a stripe's lock, so keep it short.</summary>
    public List<PhoenixConnection> Where(Func<PhoenixConnection, bool>? match = null)
    {
        var found = new List<PhoenixConnection>();
        foreach (var stripe in _stripes)
        {
            lock (stripe.Gate)
            {
                for (var connection = stripe.Head; connection is not null; connection = connection.ListNext)
                {
                    if (match is null || match(connection))
                    {
                        found.Add(connection);
                    }
                }
            }
        }

        return found;
    }

    private Stripe StripeOf(PhoenixConnection connection) => _stripes[RuntimeHelpers.GetHashCode(connection) & (StripeCount - 1)];

    private sealed class Stripe
    {
        public readonly Lock Gate = new();
        public PhoenixConnection? Head;
    }
}
