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

        // The handler is made for each request that authenticates: from its DI registration, not by reflection.
        builder.Services.AddTransient<ApiKeyAuthenticationHandler>();
        builder.Services.AddAuthentication(options =>
        {
            options.DefaultScheme = ApiKeyDefaults.Scheme;
            options.AddScheme<ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, displayName: null);
        });
        // The policies name no scheme: the default one (the API key) has already authenticated the request, and
        // naming it would authenticate every request a second time and merge the principal again.
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(ApiKeyDefaults.ReadStatsPolicy, policy => policy
                .RequireClaim(ApiKeyDefaults.ScopeClaim, ApiKeyDefaults.ReadScope))
            .AddPolicy(ApiKeyDefaults.AdminPolicy, policy => policy
                .RequireClaim(ApiKeyDefaults.ScopeClaim, ApiKeyDefaults.AdminScope))
            .AddPolicy(ApiKeyDefaults.PublishPolicy, policy => policy
                .RequireClaim(ApiKeyDefaults.ScopeClaim, ApiKeyDefaults.PublishScope));
        return builder;
    }
}
