using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ConnCount.StatsApi.Auth;

/// <summary>
/// Authenticates a request that carries a configured key in <c>X-Api-Key</c> or as
/// <c>Authorization: Bearer &lt;key&gt;</c>, with a <c>scope</c> claim for what the key may do: <c>read</c> for a read
/// key, <c>read</c> and <c>admin</c> for an admin key. Challenges with a 401 problem and <c>WWW-Authenticate</c>;
/// forbids (a key without the scope) with a 403 problem. With no read key configured (Development only) every request
/// is let in as <c>anonymous</c> with the <c>read</c> scope; <c>admin</c> always needs an admin key.
/// </summary>
/// <remarks>
/// Keys are read from headers only, never from the query or a form: a cross-origin page cannot set these headers
/// without a CORS preflight, which the API does not answer, so it can never drain a node with a simple request.
/// </remarks>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string BearerPrefix = "Bearer ";
    private const string Realm = "Bearer realm=\"conncount\"";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey();
        var kind = presented is null ? ApiKeyKind.None : keys.Identify(presented);
        return Task.FromResult(kind switch
        {
            ApiKeyKind.Admin => Success("admin-key", ApiKeyDefaults.ReadScope, ApiKeyDefaults.AdminScope, ApiKeyDefaults.PublishScope),
            ApiKeyKind.Publish => Success("publish-key", ApiKeyDefaults.ReadScope, ApiKeyDefaults.PublishScope),
            _ when keys.IsOpen => Success("anonymous", ApiKeyDefaults.ReadScope),
            ApiKeyKind.Read => Success("api-key", ApiKeyDefaults.ReadScope),
            _ when presented is null => AuthenticateResult.NoResult(),
            _ => AuthenticateResult.Fail("The API key is not valid."),
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = ForbiddenProblem() });
    }

    /// <summary>Why a valid key may not do this: the endpoint needs a scope no configured key has, or one this key lacks.</summary>
    private ProblemDetails ForbiddenProblem()
    {
        var publish = Context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == ApiKeyDefaults.PublishPolicy) == true;
        var (disabled, title, setting, wanted) = publish
            ? (keys.PublishCount == 0, "Server publish", "ConnCount:Api:PublishKey (or ConnCount:Api:AdminKey)", "a publish key (ConnCount:Api:PublishKey) or an admin key")
            : (keys.AdminCount == 0, "Admin endpoints", "ConnCount:Api:AdminKey (or ConnCount:Api:AdminKeys)", "an admin key (ConnCount:Api:AdminKey)");
        return disabled
            ? new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = title + " disabled",
                Detail = $"No key with this scope is configured: set {setting} and send it in the {ApiKeyDefaults.HeaderName} header or as 'Authorization: Bearer <key>'.",
            }
            : new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = publish ? "Publish key required" : "Admin key required",
                Detail = $"This key may read the stats only; send {wanted} in the {ApiKeyDefaults.HeaderName} header.",
            };
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var invalid = result.Failure is not null;

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 6750: a presented but wrong token is "invalid_token"; a missing one gets the bare challenge.
        Response.Headers.WWWAuthenticate = invalid ? Realm + ", error=\"invalid_token\"" : Realm;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = invalid ? "Invalid API key" : "API key required",
                Detail = $"Send a configured key in the {ApiKeyDefaults.HeaderName} header or as 'Authorization: Bearer <key>'.",
            },
        });
    }

    private string? PresentedKey()
    {
        var header = Request.Headers[ApiKeyDefaults.HeaderName];
        if (header.Count > 0)
        {
            // Two X-Api-Key headers are ambiguous; comparing an empty string fails them without a special case.
            return header.Count == 1 ? header[0] ?? "" : "";
        }

        string? authorization = Request.Headers[HeaderNames.Authorization];
        if (authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return authorization[BearerPrefix.Length..].Trim();
        }

        return null;
    }

    private AuthenticateResult Success(string name, params string[] scopes)
    {
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), .. scopes.Select(scope => new Claim(ApiKeyDefaults.ScopeClaim, scope))],
            Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }
}
