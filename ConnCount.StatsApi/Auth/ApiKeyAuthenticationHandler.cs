using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
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
/// <para>
/// Keys are read from headers only, never from the query or a form: a cross-origin page cannot set these headers
/// without a CORS preflight, which the API does not answer, so it can never drain a node with a simple request.
/// </para>
/// <para>
/// A plain <see cref="IAuthenticationHandler"/>, not an <c>AuthenticationHandler&lt;TOptions&gt;</c>: the scheme has
/// no options, events or forwarding, and that base class built a logger and resolved options and events for every
/// request (the handler is made per request). Its singletons come from DI; the result is computed once per request.
/// </para>
/// </remarks>
public sealed partial class ApiKeyAuthenticationHandler(
    ApiKeyStore keys,
    IProblemDetailsService problems,
    ILogger<ApiKeyAuthenticationHandler> logger) : IAuthenticationHandler
{
    private const string BearerPrefix = "Bearer ";
    private const string Realm = "Bearer realm=\"conncount\"";

    private AuthenticationScheme _scheme = null!;
    private HttpContext _context = null!;
    private Task<AuthenticateResult>? _result;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        (_scheme, _context) = (scheme, context);
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync() => _result ??= Task.FromResult(Authenticate());

    public async Task ChallengeAsync(AuthenticationProperties? properties)
    {
        var invalid = (await AuthenticateAsync()).Failure is not null;
        var response = _context.Response;
        response.StatusCode = StatusCodes.Status401Unauthorized;
        // RFC 6750: a presented but wrong token is "invalid_token"; a missing one gets the bare challenge.
        response.Headers.WWWAuthenticate = invalid ? Realm + ", error=\"invalid_token\"" : Realm;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = _context,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = invalid ? "Invalid API key" : "API key required",
                Detail = $"Send a configured key in the {ApiKeyDefaults.HeaderName} header or as 'Authorization: Bearer <key>'.",
            },
        });
    }

    public async Task ForbidAsync(AuthenticationProperties? properties)
    {
        _context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = _context, ProblemDetails = ForbiddenProblem() });
    }

    private AuthenticateResult Authenticate()
    {
        var presented = PresentedKey();
        var kind = presented is null ? ApiKeyKind.None : keys.Identify(presented);
        var result = kind switch
        {
            ApiKeyKind.Admin => Success("admin-key", ApiKeyDefaults.ReadScope, ApiKeyDefaults.AdminScope, ApiKeyDefaults.PublishScope),
            ApiKeyKind.Publish => Success("publish-key", ApiKeyDefaults.ReadScope, ApiKeyDefaults.PublishScope),
            _ when keys.IsOpen => Success("anonymous", ApiKeyDefaults.ReadScope),
            ApiKeyKind.Read => Success("api-key", ApiKeyDefaults.ReadScope),
            _ when presented is null => AuthenticateResult.NoResult(),
            _ => AuthenticateResult.Fail("The API key is not valid."),
        };

        if (result.Failure is { } failure)
        {
            LogNotAuthenticated(logger, _scheme.Name, failure.Message);
        }

        return result;
    }

    /// <summary>Why a valid key may not do this: the endpoint needs a scope no configured key has, or one this key lacks.</summary>
    private ProblemDetails ForbiddenProblem()
    {
        var publish = _context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == ApiKeyDefaults.PublishPolicy) == true;
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

    private string? PresentedKey()
    {
        var headers = _context.Request.Headers;
        var header = headers[ApiKeyDefaults.HeaderName];
        if (header.Count > 0)
        {
            // Two X-Api-Key headers are ambiguous; comparing an empty string fails them without a special case.
            return header.Count == 1 ? header[0] ?? "" : "";
        }

        string? authorization = headers[HeaderNames.Authorization];
        if (authorization is not null && authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return authorization[BearerPrefix.Length..].Trim();
        }

        return null;
    }

    private AuthenticateResult Success(string name, params string[] scopes)
    {
        var claims = new Claim[scopes.Length + 1];
        claims[0] = new Claim(ClaimTypes.Name, name);
        for (var i = 0; i < scopes.Length; i++)
        {
            claims[i + 1] = new Claim(ApiKeyDefaults.ScopeClaim, scopes[i]);
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, _scheme.Name));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, _scheme.Name));
    }

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "{Scheme} was not authenticated: {Failure}")]
    private static partial void LogNotAuthenticated(ILogger logger, string scheme, string failure);
}
