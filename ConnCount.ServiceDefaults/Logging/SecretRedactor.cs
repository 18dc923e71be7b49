using System.Text.RegularExpressions;

namespace ConnCount.ServiceDefaults.Logging;

/// <summary>
/// Replaces secrets in text meant for logs: the values of the query parameters <c>key</c>, <c>token</c>,
/// <c>api_key</c> and <c>access_token</c>; the values of the headers <c>Authorization</c>, <c>X-Api-Key</c>,
/// <c>X-Admin-Key</c> and <c>Sec-WebSocket-Protocol</c>; bearer tokens, and the phoenix client's
/// <c>base64url.bearer.phx.&lt;token&gt;</c> sub-protocol. A pure function: no state, no I/O.
/// </summary>
public static partial class SecretRedactor
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "[redacted]";

    /// <summary>Headers whose whole value is a secret (compared case-insensitively).</summary>
    public static IReadOnlySet<string> SecretHeaders { get; } = new HashSet<string>(
        ["Authorization", "Proxy-Authorization", "X-Api-Key", "X-Admin-Key", "Sec-WebSocket-Protocol", "Cookie"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>The text with every secret masked; the same instance when there was none.</summary>
    public static string Redact(string text)
    {
        if (!MayHoldSecret(text))
        {
            return text;
        }

        var redacted = SecretQueryValue().Replace(text, "${name}=" + Mask);
        redacted = SecretHeaderValue().Replace(redacted, "${name}${sep}" + Mask);
        redacted = PhoenixTokenProtocol().Replace(redacted, "base64url.bearer.phx." + Mask);
        redacted = BearerToken().Replace(redacted, "${scheme} " + Mask);
        return string.Equals(redacted, text, StringComparison.Ordinal) ? text : redacted;
    }

    /// <summary>Whether a value logged under <paramref name="name"/> (a header name, say) is a secret as a whole.</summary>
    public static bool IsSecretName(string name) => SecretHeaders.Contains(name);

    // A cheap first look, so that most log values are not run through the expressions at all.
    private static bool MayHoldSecret(string text) =>
        text.Contains('=') || text.Contains(':') || text.Contains("bearer", StringComparison.OrdinalIgnoreCase);

    // key=..., token=..., api_key=..., access_token=... at the start, or after ? & ; whitespace , ( " '
    [GeneratedRegex(@"(?<=^|[?&;\s,(""'])(?<name>key|token|api_key|apikey|access_token)=[^&#\s""']*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretQueryValue();

    // "Authorization: Bearer x", "X-Api-Key=x", "Sec-WebSocket-Protocol: phoenix, base64url..." up to the end of the line.
    [GeneratedRegex(@"(?<name>\b(?:Proxy-)?Authorization|\bX-Api-Key|\bX-Admin-Key|\bSec-WebSocket-Protocol|\bCookie)(?<sep>\s*[:=]\s*)[^\r\n]*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretHeaderValue();

    [GeneratedRegex(@"base64url\.bearer\.phx\.[A-Za-z0-9_\-=.%]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PhoenixTokenProtocol();

    [GeneratedRegex(@"\b(?<scheme>Bearer|Basic)\s+[A-Za-z0-9._~+/\-=]{8,}", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BearerToken();
}
