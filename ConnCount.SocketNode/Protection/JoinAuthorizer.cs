using System.Text;
using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Protocol;
using ConnCount.SocketNode.Sockets;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ConnCount.SocketNode.Protection;

/// <summary>
/// Who a join belongs to, from its token: the tenant and its plan (both optional for open topics), the user (the
/// token's <c>sub</c>), and whether the token withheld publishing (<c>"publish": false</c>): such a member receives messages but may not push them.
/// </summary>
/// <remarks>
/// A class, not a struct: every membership keeps its grant for its whole life, and the joins without a token, the
/// common case, all share <see cref="Anonymous"/>, so an idle membership holds one reference instead of four fields.
/// </remarks>
public sealed record JoinGrant(string? Tenant, string? Plan, bool ReadOnly = false, string? User = null)
{
    /// <summary>The grant of a join without a token: no tenant, no plan, no user, may publish.</summary>
    public static readonly JoinGrant Anonymous = new(null, null);
}

/// <summary>
/// Checks join tokens: HMAC-SHA256 JWTs whose <c>topics</c> claim lists the topics (or <c>prefix*</c>
/// patterns) the holder may join, with optional <c>tenant</c>, <c>plan</c>, <c>stats</c> and <c>publish</c> claims. A protected
/// topic needs a valid token; an open topic takes a token only to attribute the join to a tenant.
/// </summary>
/// <remarks>
/// A stats topic <c>stats:&lt;topic&gt;</c> needs exactly what <c>&lt;topic&gt;</c> needs (and what its own name
/// needs, if that matches a protected pattern too), or the stats grant: watching a topic is seeing its counts.
/// </remarks>
public sealed class JoinAuthorizer
{
    private readonly AuthOptions _options;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters? _parameters;
    private readonly ILogger<JoinAuthorizer> _logger;

    public JoinAuthorizer(IOptions<AuthOptions> options, ILogger<JoinAuthorizer> logger)
    {
        _options = options.Value;
        _logger = logger;
        if (!string.IsNullOrEmpty(_options.SigningKey))
        {
            _parameters = new TokenValidationParameters
            {
                IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(_options.SigningKey)),
                ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                ValidateIssuer = _options.Issuer is not null,
                ValidIssuer = _options.Issuer,
                ValidateAudience = _options.Audience is not null,
                ValidAudience = _options.Audience,
                ValidateLifetime = true,
                RequireExpirationTime = true,
                ClockSkew = _options.ClockSkew,
            };
        }
    }

    /// <summary>True when any topic pattern is protected: only then can a stats view have anything to hide.</summary>
    public bool AnyProtected => _options.ProtectedTopics.Count > 0;

    /// <summary>
    /// True when <paramref name="topic"/> matches a protected pattern, or is a stats topic that watches one
    /// (<c>stats:private:x</c> is as protected as <c>private:x</c>).
    /// </summary>
    public bool IsProtected(string topic)
    {
        if (!AnyProtected)
        {
            return false;
        }

        foreach (var level in StatsWatchHub.Levels(topic))
        {
            if (TopicPattern.MatchesAny(_options.ProtectedTopics, level))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the holder of <paramref name="access"/> may see (and could join) <paramref name="topic"/>:
    /// every protected level of its name is named by one of the socket's valid tokens, or it holds the stats grant.
    /// </summary>
    public bool MaySee(string topic, SocketReadAccess? access)
    {
        if (!IsProtected(topic))
        {
            return true;
        }

        if (access is null)
        {
            return false;
        }

        var now = DateTime.UtcNow;
        if (access.HasStatsGrant(now))
        {
            return true;
        }

        foreach (var level in StatsWatchHub.Levels(topic))
        {
            if (TopicPattern.MatchesAny(_options.ProtectedTopics, level) && !access.AllowsTopic(level, now))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The access a token gives, or null when it is missing, malformed, wrongly signed or expired.</summary>
    public async ValueTask<TokenAccess?> ValidateAsync(string? token)
    {
        if (token is null || _parameters is null)
        {
            // No key configured: tokens cannot be checked, so they attribute nothing and open nothing.
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid)
        {
            _logger.LogDebug("Token refused: {Reason}", result.Exception?.GetType().Name);
            return null;
        }

        return new TokenAccess(
            ClaimStrings(result.Claims, "topics"),
            ClaimTrue(result.Claims, "stats"),
            ClaimString(result.Claims, "tenant"),
            ClaimString(result.Claims, "plan"),
            result.SecurityToken.ValidTo + _options.ClockSkew,
            Publish: !ClaimFalse(result.Claims, "publish"),
            User: ClaimString(result.Claims, "sub"));
    }

    /// <summary>
    /// Decides the join of an application topic: a grant, or null when it must be refused as <see cref="ReplyReasons.Unauthorized"/>.
    /// <paramref name="token"/> is the access of the token the join presented (its own, else the socket's).
    /// Presence topics are decided by what the socket may see (<see cref="StatsVisibility.MayWatch"/>).
    /// </summary>
    public JoinGrant? Authorize(string topic, TokenAccess? token)
    {
        if (!StatsWatchHub.IsStatsTopic(topic) && IsProtected(topic) && token?.AllowsTopic(topic) != true)
        {
            return null;
        }

        return token is null ? JoinGrant.Anonymous : new JoinGrant(token.Tenant, token.Plan, ReadOnly: !token.Publish, User: token.User);
    }

    private static IReadOnlyList<string> ClaimStrings(IDictionary<string, object> claims, string name)
    {
        if (!claims.TryGetValue(name, out var value))
        {
            return [];
        }

        return value switch
        {
            string one => [one],
            IEnumerable<object> many => many.OfType<string>().ToList(),
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray()
                .Where(p => p.ValueKind == JsonValueKind.String).Select(p => p.GetString()!).ToList(),
            _ => [],
        };
    }

    private static bool ClaimTrue(IDictionary<string, object> claims, string name) =>
        claims.TryGetValue(name, out var value) && value switch
        {
            bool b => b,
            string s => string.Equals(s, "true", StringComparison.OrdinalIgnoreCase),
            JsonElement { ValueKind: JsonValueKind.True } => true,
            _ => false,
        };

    private static bool ClaimFalse(IDictionary<string, object> claims, string name) =>
        claims.TryGetValue(name, out var value) && value switch
        {
            bool b => !b,
            string s => string.Equals(s, "false", StringComparison.OrdinalIgnoreCase),
            JsonElement { ValueKind: JsonValueKind.False } => true,
            _ => false,
        };

    private static string? ClaimString(IDictionary<string, object> claims, string name) =>
        claims.TryGetValue(name, out var value) && value is string s && s.Length > 0 ? s : null;
}
