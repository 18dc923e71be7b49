namespace ConnCount.SocketNode.Protection;

/// <summary>
/// The valid tokens one socket has shown (its <c>authToken</c> and the tokens of its joins): what it may see
/// in the stats views. Held only by sockets that showed a token, so an anonymous socket carries nothing.
/// </summary>
/// <remarks>Bounded: past <see cref="MaxTokens"/> the soonest-expiring token gives way.</remarks>
public sealed class SocketReadAccess
{
    /// <summary>Tokens kept per socket.</summary>
    public const int MaxTokens = 8;

    private readonly List<TokenAccess> _tokens = [];
    private readonly Lock _lock = new();

    public void Add(TokenAccess token)
    {
        lock (_lock)
        {
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
}
