namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// Keeps each topic's users (<see cref="TopicUsers"/>, in the topic's <see cref="TopicEntry"/>): a membership whose
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
    public void Began(in MembershipEvent membership)
    {
        if (membership.Grant.User is { Length: > 0 } user)
        {
            var entry = membership.Entry;
            var users = Volatile.Read(ref entry.Users)
                ?? Interlocked.CompareExchange(ref entry.Users, new TopicUsers(), null)
                ?? entry.Users;
            users.Add(user);
        }
    }

    public void Ended(in MembershipEvent membership, long endedAtMs)
    {
        if (membership.Grant.User is { Length: > 0 } user)
        {
            membership.Entry.Users?.Remove(user);
        }
    }
}
