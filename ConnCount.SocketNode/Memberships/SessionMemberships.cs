namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// The topics one session has joined. Most sockets join a single topic, so the first membership is held
/// inline and a dictionary is created only for a second: an idle socket with one channel holds no collection.
/// Only the socket's receive loop changes it; <see cref="HoldsFromAnyThread"/> is the one question other threads may ask.
/// </summary>
/// <remarks>
/// Why <see cref="HoldsFromAnyThread"/> is safe without a lock, and costs nothing on the hot path: a topic is held in
/// exactly one place for as long as it is joined (<c>_firstTopic</c>, or the dictionary of the others), and never
/// moves between them. <c>_firstTopic</c> is one reference, read whole. The dictionary may not be read while the loop
/// writes it, so it carries a copy of its keys (<see cref="MoreMemberships.Topics"/>) that the loop replaces each time
/// the dictionary's set of topics changes. A socket with one channel (every socket of the join/leave and idle-memory
/// benchmarks) thus writes nothing more on a join or a leave and holds no extra field; a socket with several pays one
/// small array per change of its set, beside the dictionary it already has. The answer for a topic joined or left
/// during the question may be either; for any other topic it is exact.
/// </remarks>
internal struct SessionMemberships
{
    private string? _firstTopic;
    private Membership _first;
    private MoreMemberships? _more;

    public readonly int Count => (_firstTopic is null ? 0 : 1) + (_more?.Count ?? 0);

    public readonly bool Contains(string topic) => TryGet(topic, out _);

    /// <summary>Whether <paramref name="topic"/> is joined; unlike every other member, safe to ask from any thread (see the remarks).</summary>
    public readonly bool HoldsFromAnyThread(string topic) =>
        string.Equals(Volatile.Read(in _firstTopic), topic, StringComparison.Ordinal)
        || (Volatile.Read(in _more)?.Topics.Contains(topic, StringComparer.Ordinal) ?? false);

    public readonly bool TryGet(string topic, out Membership membership)
    {
        if (_firstTopic is not null && string.Equals(topic, _firstTopic, StringComparison.Ordinal))
        {
            membership = _first;
            return true;
        }

        if (_more is not null)
        {
            return _more.TryGetValue(topic, out membership);
        }

        membership = default;
        return false;
    }

    /// <summary>Adds a topic that is not joined yet.</summary>
    public void Add(string topic, Membership membership)
    {
        if (_firstTopic is null && !(_more?.ContainsKey(topic) ?? false))
        {
            _firstTopic = topic;
            _first = membership;
            return;
        }

        var more = _more ??= new MoreMemberships();
        more.Add(topic, membership);
        more.Publish();
    }

    /// <summary>Replaces the membership of a joined topic (a rejoin).</summary>
    public void Replace(string topic, Membership membership)
    {
        if (_firstTopic is not null && string.Equals(topic, _firstTopic, StringComparison.Ordinal))
        {
            _first = membership;
        }
        else
        {
            _more![topic] = membership;
        }
    }

    public bool Remove(string topic, out Membership membership)
    {
        if (_firstTopic is not null && string.Equals(topic, _firstTopic, StringComparison.Ordinal))
        {
            membership = _first;
            _firstTopic = null;
            _first = default;
            return true;
        }

        if (_more is not null && _more.Remove(topic, out membership))
        {
            _more.Publish();
            return true;
        }

        membership = default;
        return false;
    }

    /// <summary>Removes and returns any one membership; false when none is left. Only for a socket that has closed.</summary>
    /// <remarks>
    /// It leaves <see cref="MoreMemberships.Topics"/> as it was: the socket is gone, and a question asked meanwhile
    /// can only find a socket whose close is already under way (closing it again does nothing), while copying the
    /// keys once per topic taken would cost a socket of many channels quadratic time at its close.
    /// </remarks>
    public bool TryTakeAny(out string topic, out Membership membership)
    {
        if (_firstTopic is not null)
        {
            topic = _firstTopic;
            return Remove(topic, out membership);
        }

        if (_more is { Count: > 0 })
        {
            foreach (var entry in _more)
            {
                topic = entry.Key;
                return _more.Remove(topic, out membership);
            }
        }

        topic = "";
        membership = default;
        return false;
    }

    /// <summary>The memberships after the first, with a copy of their topics that other threads may read.</summary>
    private sealed class MoreMemberships() : Dictionary<string, Membership>(StringComparer.Ordinal)
    {
        private string[] _topics = [];

        /// <summary>The topics as of the last <see cref="Publish"/>; never changed in place.</summary>
        public string[] Topics => Volatile.Read(ref _topics);

        /// <summary>Replaces <see cref="Topics"/> with the dictionary's keys now; call after every change of the set.</summary>
        public void Publish() => Volatile.Write(ref _topics, [.. Keys]);
    }
}
