using System.Collections.Concurrent;
using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// Keeps each topic's users (<see cref="UserMultiset"/>, in the topic's <see cref="TopicEntry"/>): a membership whose
/// grant names a user (the join token's <c>sub</c>) adds it when it begins and removes it when it ends. A membership
/// without a user costs one null check: no slot, no lock.
/// </summary>
/// <remarks>
/// The pipeline calls <see cref="Began"/> after the membership is counted and <see cref="Ended"/> before it is
/// uncounted, exactly once each; so the slot a begin created is still the entry's at the end, and when a topic's count
/// is zero every begin has had its end: the slot is empty, and a sweep may remove the entry (<see cref="TopicEntry.IsIdle"/>
/// checks it all the same).
/// </remarks>
public sealed class UserTally : IMembershipObserver
{
    // Tenants' users: only memberships with a user and a tenant reach it.
    private readonly ConcurrentDictionary<string, UserMultiset> _tenants = new(StringComparer.Ordinal);

    public void Began(in MembershipEvent membership)
    {
        if (membership.Grant.User is { Length: > 0 } user)
        {
            var entry = membership.Entry;
            var users = Volatile.Read(ref entry.Users)
                ?? Interlocked.CompareExchange(ref entry.Users, new UserMultiset(), null)
                ?? entry.Users;
            users.Add(user);
            if (membership.Grant.Tenant is { Length: > 0 } tenant)
            {
                // A retired multiset is leaving the dictionary: the next lookup makes a fresh one.
                while (!_tenants.GetOrAdd(tenant, static _ => new UserMultiset()).TryAdd(user))
                {
                    Thread.Yield();
                }
            }
        }
    }

    public void Ended(in MembershipEvent membership, long endedAtMs)
    {
        if (membership.Grant.User is { Length: > 0 } user)
        {
            membership.Entry.Users?.Remove(user);
            if (membership.Grant.Tenant is { Length: > 0 } tenant && _tenants.TryGetValue(tenant, out var users))
            {
                users.Remove(user, retired => _tenants.TryRemove(KeyValuePair.Create(tenant, retired)));
            }
        }
    }

    /// <summary>The users of each of <paramref name="tenants"/> that has any: ids up to <paramref name="maxExact"/>, else a sketch.</summary>
    internal Dictionary<string, UserSet>? TenantUserSets(IEnumerable<string> tenants, int maxExact)
    {
        Dictionary<string, UserSet>? sets = null;
        foreach (var tenant in tenants)
        {
            if (_tenants.TryGetValue(tenant, out var users) && users.ToUserSet(maxExact) is { } set)
            {
                (sets ??= new(StringComparer.Ordinal))[tenant] = set;
            }
        }

        return sets;
    }

    /// <summary>Distinct users of <paramref name="tenant"/> on this node; for tests.</summary>
    internal int TenantUsers(string tenant) => _tenants.TryGetValue(tenant, out var users) ? users.Count : 0;
}
