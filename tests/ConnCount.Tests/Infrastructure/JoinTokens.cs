using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ConnCount.Tests.Infrastructure;

/// <summary>Issues HMAC-SHA256 join tokens the way an application's backend would.</summary>
public static class JoinTokens
{
    public const string SigningKey = "test-signing-key-that-is-at-least-32-bytes-long";

    public static string Issue(string[] topics, string? tenant = null, string? plan = null, TimeSpan? lifetime = null, string key = SigningKey, bool stats = false, bool? publish = null, string? user = null)
    {
        var claims = new Dictionary<string, object> { ["topics"] = topics };
        if (user is not null)
        {
            claims["sub"] = user;
        }

        if (publish is { } mayPublish)
        {
            claims["publish"] = mayPublish;
        }

        if (stats)
        {
            claims["stats"] = true;
        }

        if (tenant is not null)
        {
            claims["tenant"] = tenant;
        }

        if (plan is not null)
        {
            claims["plan"] = plan;
        }

        var now = DateTime.UtcNow;
        var expires = now + (lifetime ?? TimeSpan.FromMinutes(5));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            Subject = new ClaimsIdentity(),
            IssuedAt = expires < now ? expires.AddMinutes(-1) : now,
            NotBefore = expires < now ? expires.AddMinutes(-1) : now,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>The sub-protocol header value the phoenix client sends for <c>authToken</c>.</summary>
    public static string SubProtocolFor(string token) =>
        "base64url.bearer.phx." + Convert.ToBase64String(Encoding.UTF8.GetBytes(token)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
