using Microsoft.AspNetCore.Authentication;

namespace ConnCount.StatsApi.Auth;

/// <summary>Registers API-key authentication and the <see cref="ApiKeyDefaults.ReadStatsPolicy"/> and <see cref="ApiKeyDefaults.AdminPolicy"/> policies.</summary>
public static class ApiKeyAuthenticationExtensions
{
    /// <summary>
    /// Adds the <see cref="ApiKeyDefaults.Scheme"/> scheme (keys from <c>ConnCount:Api</c>), the policies the
    /// stats and admin endpoints require (a scope claim each), and the start-up check that refuses to run keyless
    /// outside Development.
    /// </summary>
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>().Bind(builder.Configuration.GetSection(ApiKeyOptions.SectionName));
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddHostedService<ApiKeyStartupCheck>();

        builder.Services.AddAuthentication(ApiKeyDefaults.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyDefaults.ReadStatsPolicy, policy => policy
                .AddAuthenticationSchemes(ApiKeyDefaults.Scheme)
                .RequireClaim(ApiKeyDefaults.ScopeClaim, ApiKeyDefaults.ReadScope))
            .AddPolicy(ApiKeyDefaults.AdminPolicy, policy => policy
                .AddAuthenticationSchemes(ApiKeyDefaults.Scheme)
                .RequireClaim(ApiKeyDefaults.ScopeClaim, ApiKeyDefaults.AdminScope))
            .AddPolicy(ApiKeyDefaults.PublishPolicy, policy => policy
                .AddAuthenticationSchemes(ApiKeyDefaults.Scheme)
                .RequireClaim(ApiKeyDefaults.ScopeClaim, ApiKeyDefaults.PublishScope));
        return builder;
    }
}
