using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.Cluster.Messaging;
using ConnCount.StatsApi.Auth;
using ConnCount.StatsApi.History;
using ConnCount.StatsApi.Messages;
using ConnCount.StatsApi.Scaling;
using ConnCount.StatsApi.Stats;
using ConnCount.StatsApi.Thresholds;
using ConnCount.StatsApi.Usage;

namespace ConnCount.StatsApi;

/// <summary>Registers the StatsApi's services.</summary>
public static class StatsApiServiceCollectionExtensions
{
    public static IHostApplicationBuilder AddStatsApi(this IHostApplicationBuilder builder)
    {
        // First, so a keyless production start fails before anything else starts.
        builder.AddApiKeyAuthentication();
        builder.Services.AddClusterStats(builder.Configuration);
        builder.Services.AddSingleton<ClusterStatsJson>();
        // Durable usage: closing periods once, and reading them back for billing.
        builder.Services.AddSingleton<UsagePeriodArchive>();
        builder.Services.AddHostedService<UsagePeriodCloser>();
        // The cluster's figures sampled every minute, kept in JetStream for GET /api/stats/history and the live page.
        builder.Services.AddHistory(builder.Configuration);
        // Server publish: the same message rules the nodes deliver by.
        builder.Services.AddTopicMessageRules(builder.Configuration);
        // The gathers' instruments and the threshold crossings.
        builder.Services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(ClusterMetrics.MeterName));
        builder.Services.AddThresholds(builder.Configuration);
        builder.Services.AddOptions<ScaleOptions>()
            .Bind(builder.Configuration.GetSection(ScaleOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ClusterUnavailableHandler>();
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer<ApiKeyOpenApiTransformer>());
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, ClusterJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(1, StatsApiJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(2, HistoryJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(3, MessagesJsonContext.Default);
            o.SerializerOptions.TypeInfoResolverChain.Insert(4, Admin.AdminJsonContext.Default);
        });
        return builder;
    }
}
