namespace ConnCount.SocketNode.Protection;

/// <summary>Registers limits, rate limits, join authorization and the upgrade gate.</summary>
public static class ProtectionServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddSocketNodeProtection(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LimitsOptions>().Bind(builder.Configuration.GetSection(LimitsOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.Topics.All(t => t.Pattern.Length > 0 && t.MaxJoins > 0), "ConnCount:Limits:Topics entries need a Pattern and a positive MaxJoins.")
            .Validate(o => o.Plans.Values.All(v => v > 0), "ConnCount:Limits:Plans values must be positive.")
            .Validate(o => o.UsageSyncInterval > TimeSpan.Zero, "ConnCount:Limits:UsageSyncInterval must be positive.")
            .ValidateOnStart();
        builder.Services.AddOptions<RateLimitOptions>().Bind(builder.Configuration.GetSection(RateLimitOptions.SectionName))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<AuthOptions>().Bind(builder.Configuration.GetSection(AuthOptions.SectionName))
            .Validate(o => o.ProtectedTopics.Count == 0 || System.Text.Encoding.UTF8.GetByteCount(o.SigningKey ?? "") >= 32,
                "ConnCount:Auth:SigningKey must be at least 32 bytes when ConnCount:Auth:ProtectedTopics is set.")
            .ValidateOnStart();

        builder.Services.AddSingleton<TelemetryTopicNames>();
        builder.Services.AddSingleton<JoinAuthorizer>();
        builder.Services.AddSingleton<UpgradeGate>();
        builder.Services.AddSingleton<ClusterLimits>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterLimits>());

        return builder;
    }
}
