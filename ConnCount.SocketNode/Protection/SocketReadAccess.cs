namespace ConnCount.SocketNode.Protection;

/// <summary>
/// The valid tokens one socket has shown (its <c>authToken</c> and the tokens of its joins): what it may see
/// in the stats views. Held only by sockets that showed a token, so an anonymous socket carries nothing.
/// </summary>
/// <remarks>
/// Bounded: past <see cref="MaxTokens"/> the soonest-expiring token gives way. The users the tokens named (their
/// <c>sub</c>) are kept apart, for the socket's life and whatever gave way, so an admin's disconnect by user
/// (<see cref="ShowedUser"/>) finds every socket that ever acted as that user. Only a valid, signed token adds one.
/// </remarks>
public sealed class SocketReadAccess
{
    /// <summary>Tokens kept per socket.</summary>
    public const int MaxTokens = 8;

    private readonly List<TokenAccess> _tokens = [];
    private readonly Lock _lock = new();

    // Nearly every socket shows one user, if any: it costs a field, and a list only for a socket that showed several.
    private string? _user;
    private List<string>? _otherUsers;

    public void Add(TokenAccess token)
    {
        lock (_lock)
        {
            AddUser(token.User);
            if (_tokens.Contains(token))
            {
                return;
            }

            _tokens.RemoveAll(t => !t.IsValidAt(DateTime.UtcNow));
            if (_tokens.Count == MaxTokens)
            {
                _tokens.Remove(_tokens.MinBy(t => t.ExpiresUtc)!);
            }

            _tokens.Add(token);
        }
    }

    /// <summary>Whether a valid token this socket showed, at any time, named <paramref name="user"/> in its <c>sub</c>.</summary>
    public bool ShowedUser(string user)
    {
        lock (_lock)
        {
            return ShowedUserLocked(user);
        }
    }

    /// <summary>A valid token of this socket carries the stats grant.</summary>
    public bool HasStatsGrant(DateTime utcNow)
    {
        lock (_lock)
        {
            return _tokens.Any(t => t.Stats && t.IsValidAt(utcNow));
        }
    }

    /// <summary>A valid token of this socket names <paramref name="topic"/> (exactly or by a pattern).</summary>
    public bool AllowsTopic(string topic, DateTime utcNow)
    {
        lock (_lock)
        {
            return _tokens.Any(t => t.IsValidAt(utcNow) && t.AllowsTopic(topic));
        }
    }

    /// <summary>
    /// A key that is equal for two sockets that see the same: what a stats view rendered for one can be sent to
    /// the other. Empty for a socket whose tokens have all expired.
    /// </summary>
    public string ViewKey(DateTime utcNow)
    {
        lock (_lock)
        {
            var valid = _tokens.Where(t => t.IsValidAt(utcNow)).ToList();
            if (valid.Any(t => t.Stats))
            {
                return "*";
            }

            return string.Join('\n', valid.SelectMany(t => t.Topics).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));
        }
    }

    private void AddUser(string? user)
    {
        if (user is null || ShowedUserLocked(user))
        {
            return;
        }

        if (_user is null)
        {
            _user = user;
        }
        else
        {
            (_otherUsers ??= []).Add(user);
        }
    }

    private bool ShowedUserLocked(string user) =>
        string.Equals(_user, user, StringComparison.Ordinal) || (_otherUsers?.Contains(user, StringComparer.Ordinal) ?? false);
}
