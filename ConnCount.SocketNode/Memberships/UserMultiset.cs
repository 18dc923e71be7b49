using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// One topic's (or one tenant's) users on this node, as a multiset: each user (a join token's <c>sub</c>) with the
/// number of this node's memberships that carry it. A topic's is the slot <see cref="TopicEntry.Users"/>, a tenant's is
/// in <see cref="UserTally"/>, which keeps both.
/// </summary>
/// <remarks>
/// A lock per multiset: only memberships with a user take it, for one dictionary update; reads copy under it and do the
/// rest (hashing into a sketch) outside it. A tenant's multiset is retired when it empties (<see cref="TryAdd"/> then
/// refuses, and the caller makes a fresh one), so tenants that come and go leave nothing behind.
/// </remarks>
internal sealed class UserMultiset
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _memberships = new(StringComparer.Ordinal);
    private int _distinct;
    private bool _retired;

    /// <summary>Whether no membership with a user is counted here; read without the lock (a sweep's check).</summary>
    public bool IsEmpty => Volatile.Read(ref _distinct) == 0;

    /// <summary>Distinct users.</summary>
    public int Count => Volatile.Read(ref _distinct);

    public void Add(string user)
    {
        lock (_gate)
        {
            ref var memberships = ref CollectionsMarshal.GetValueRefOrAddDefault(_memberships, user, out _);
            memberships++;
            Volatile.Write(ref _distinct, _memberships.Count);
        }
    }

    /// <summary>Adds a membership of <paramref name="user"/>; false, and nothing added, once the multiset is retired.</summary>
    public bool TryAdd(string user)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }

            Add(user);
            return true;
        }
    }

    /// <summary>
    /// Ends one membership of <paramref name="user"/>, then, if none is left, retires the multiset and runs
    /// <paramref name="retired"/> (which removes it from where it is kept) under its lock, so no add slips in between.
    /// </summary>
    public void Remove(string user, Action<UserMultiset> retired)
    {
        lock (_gate)
        {
            Remove(user);
            if (_memberships.Count == 0)
            {
                _retired = true;
                retired(this);
            }
        }
    }

    /// <summary>Ends one membership of <paramref name="user"/>; the user goes when its last membership does.</summary>
    public void Remove(string user)
    {
        lock (_gate)
        {
            ref var memberships = ref CollectionsMarshal.GetValueRefOrNullRef(_memberships, user);
            if (Unsafe.IsNullRef(ref memberships))
            {
                // Begin and end are paired by the pipeline; a remove without an add would be a bug, and must not go negative.
                return;
            }

            if (--memberships == 0)
            {
                _memberships.Remove(user);
            }

            Volatile.Write(ref _distinct, _memberships.Count);
        }
    }

    /// <summary>The users, in <paramref name="into"/>.</summary>
    public void CopyTo(HashSet<string> into)
    {
        lock (_gate)
        {
            into.UnionWith(_memberships.Keys);
        }
    }

    /// <summary>The users as a gather wants them: their ids while at most <paramref name="maxExact"/>, else a sketch.</summary>
    public UserSet? ToUserSet(int maxExact)
    {
        string[] ids;
        lock (_gate)
        {
            if (_memberships.Count == 0)
            {
                return null;
            }

            ids = [.. _memberships.Keys];
        }

        if (ids.Length <= maxExact)
        {
            return new UserSet(Ids: ids);
        }

        var sketch = new HyperLogLog();
        foreach (var id in ids)
        {
            sketch.Add(id);
        }

        return new UserSet(Sketch: sketch.ToBytes());
    }

    /// <summary>How many memberships <paramref name="user"/> has here (0 when none); for tests.</summary>
    internal int MembershipsOf(string user)
    {
        lock (_gate)
        {
            return _memberships.GetValueOrDefault(user);
        }
    }
}
