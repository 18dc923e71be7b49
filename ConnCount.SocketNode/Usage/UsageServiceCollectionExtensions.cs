using ConnCount.Cluster.Durable;

namespace ConnCount.SocketNode.Usage;

/// <summary>Registers the usage ledger's options, its NATS responder and the <c>get_usage_stats</c> event.</summary>
public static class UsageServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="UsageOptions"/> to <c>ConnCount:Usage</c> (validated at start) and adds
    /// <see cref="UsageReportResponder"/>, <see cref="UsageRecorder"/> (durable usage, <c>ConnCount:Usage:Durable</c>) and <see cref="UsageChannelEvent"/>. The <see cref="UsageLedger"/>
    /// itself is registered with the node's sessions.
    /// </summary>
    public static IHostApplicationBuilder AddUsageReporting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UsageOptions>()
            .Bind(builder.Configuration.GetSection(UsageOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => o.HasValidPeriod, UsageLedger.PeriodRule)
            .ValidateOnStart();
        builder.Services.AddDurableUsageOptions(builder.Configuration);
        builder.Services.AddSingleton<UsageChannelEvent>();
        builder.Services.AddHostedService<UsageReportResponder>();
        builder.Services.AddHostedService<UsageRecorder>();
        return builder;
    }
}
