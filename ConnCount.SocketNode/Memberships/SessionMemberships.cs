namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// The topics one session has joined. Most sockets join a single topic, so the first membership is held
/// inline and a dictionary is created only for a second: an idle socket with one channel holds no collection.
/// Only the socket's receive loop touches it.
/// </summary>
internal struct SessionMemberships
{
    private string? _firstTopic;
    private Membership _first;
    private Dictionary<string, Membership>? _more;

    public readonly int Count => (_firstTopic is null ? 0 : 1) + (_more?.Count ?? 0);

    public readonly bool Contains(string topic) => TryGet(topic, out _);

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

        (_more ??= new Dictionary<string, Membership>(StringComparer.Ordinal)).Add(topic, membership);
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

        if (_more is not null)
        {
            return _more.Remove(topic, out membership);
        }

        membership = default;
        return false;
    }

    /// <summary>Removes and returns any one membership; false when none is left.</summary>
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
}
