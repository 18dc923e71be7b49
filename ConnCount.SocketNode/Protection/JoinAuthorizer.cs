using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ConnCount.SocketNode.Protection;

/// <summary>Who a join belongs to, from its token: the tenant and its plan (both optional for open topics).</summary>
public readonly record struct JoinGrant(string? Tenant, string? Plan);

/// <summary>
/// Checks join tokens: HMAC-SHA256 JWTs whose <c>topics</c> claim lists the topics (or <c>prefix*</c>
/// patterns) the holder may join, with optional <c>tenant</c> and <c>plan</c> claims. A protected topic
/// needs a valid token; an open topic takes a token only to attribute the join to a tenant.
/// </summary>
public sealed class JoinAuthorizer
{
    /// <summary>The refusal reason for a missing, invalid, expired or insufficient token.</summary>
    public const string Unauthorized = "unauthorized";

    private readonly AuthOptions _options;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly TokenValidationParameters? _parameters;
    private readonly TelemetryTopicNames _topicNames;
    private readonly ILogger<JoinAuthorizer> _logger;

    public JoinAuthorizer(IOptions<AuthOptions> options, TelemetryTopicNames topicNames, ILogger<JoinAuthorizer> logger)
    {
        _options = options.Value;
        _topicNames = topicNames;
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
                ClockSkew = TimeSpan.FromSeconds(30),
            };
        }
    }

    public bool IsProtected(string topic) => TopicPattern.MatchesAny(_options.ProtectedTopics, topic);

    /// <summary>Decides a join: a grant, or null when it must be refused as <see cref="Unauthorized"/>.</summary>
    /// <param name="topic">The topic to join.</param>
    /// <param name="joinToken">The <c>token</c> param of the join, if any.</param>
    /// <param name="socketToken">The socket's <c>authToken</c> (sent in the WebSocket sub-protocol header), if any.</param>
    public async ValueTask<JoinGrant?> AuthorizeAsync(string topic, string? joinToken, string? socketToken)
    {
        var token = joinToken ?? socketToken;
        var isProtected = IsProtected(topic);
        if (token is null)
        {
            return isProtected ? null : new JoinGrant(null, null);
        }

        if (_parameters is null)
        {
            // No key configured: tokens cannot be checked, so they attribute nothing and open no protected topic.
            return isProtected ? null : new JoinGrant(null, null);
        }

        var result = await _handler.ValidateTokenAsync(token, _parameters);
        if (!result.IsValid)
        {
            _logger.LogDebug("Join token refused for {Topic}: {Reason}", _topicNames.For(topic), result.Exception?.Message);
            return isProtected ? null : new JoinGrant(null, null);
        }

        if (isProtected && !AllowsTopic(result.Claims, topic))
        {
            return null;
        }

        return new JoinGrant(ClaimString(result.Claims, "tenant"), ClaimString(result.Claims, "plan"));
    }

    private static bool AllowsTopic(IDictionary<string, object> claims, string topic)
    {
        if (!claims.TryGetValue("topics", out var value))
        {
            return false;
        }

        return value switch
        {
            string one => TopicPattern.Matches(one, topic),
            IEnumerable<object> many => many.Any(p => p is string s && TopicPattern.Matches(s, topic)),
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Any(p => p.ValueKind == JsonValueKind.String && TopicPattern.Matches(p.GetString()!, topic)),
            _ => false,
        };
    }

    private static string? ClaimString(IDictionary<string, object> claims, string name) =>
        claims.TryGetValue(name, out var value) && value is string s && s.Length > 0 ? s : null;
}
