using System.ComponentModel;
using System.Globalization;
using ConnCount.Cluster.Contracts;
using ConnCount.Cluster.Gathering;
using ConnCount.StatsApi.Auth;
using ConnCount.StatsApi.History;
using ConnCount.StatsApi.Scaling;
using ConnCount.StatsApi.Usage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ConnCount.StatsApi.Stats;

/// <summary>The REST API over the cluster's counts, under <c>/api/stats</c>.</summary>
public static class StatsApi
{
    /// <summary>The header that tells how many topics the cluster has when <c>?top=</c> trimmed the map.</summary>
    public const string TotalTopicsHeader = "X-Total-Topics";

    public static RouteGroupBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/stats")
            .WithTags("Stats")
            .RequireAuthorization(ApiKeyDefaults.ReadStatsPolicy)
            .AddEndpointFilter<SingleQueryValuesFilter>()
            // Every operation: a bad or repeated query value, a missing key, NATS down (ClusterUnavailableHandler).
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/", GetClusterAsync)
            .WithName("GetClusterStats")
            .WithSummary("The whole cluster: totals, per topic, per node; partial when a node did not answer.");
        api.MapGet("/topics", ListTopicsAsync)
            .WithName("ListTopics")
            .WithSummary("Topics with their cluster totals: filtered by prefix, ordered by count or name, top N, paged.");
        api.MapGet("/topics/{*topic}", GetTopicAsync)
            .WithName("GetTopicStats")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One topic across the cluster, per node; the name percent-encoded in the path (no '.', '..' or NUL: use /api/stats/topic?name=).");
        api.MapGet("/topic", GetTopicByNameAsync)
            .WithName("GetTopicStatsByName")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("One topic across the cluster, per node; the name in the query, so any topic a node accepts can be asked for.");
        api.MapGet("/scale", GetScaleAsync)
            .WithName("GetScale")
            .WithSummary("Replicas an autoscaler should run: ceil(sockets / target_per_node), for KEDA's metrics-api scaler.");
        api.MapGet("/nodes", GetNodesAsync)
            .WithName("GetNodes")
            .WithSummary("Every node with its totals, sockets, start time, last-seen and whether it drains; missing nodes with their last-known counts.");
        api.MapGet("/usage", GetUsageAsync)
            .WithName("GetUsage")
            .WithSummary("Connection-seconds (as ms), churn, session lengths and peaks per topic, tenant and node; see docs/usage.md.");
        api.MapUsagePeriods();
        api.MapHistory();

        return api;
    }

    public static async Task<Results<Ok<UsageStats>, ValidationProblem>> GetUsageAsync(
        [Description("Only topics that start with this text (ordinal, at most 256 characters); tenants and totals are not filtered.")] string? prefix,
        [Description("Topics, and tenants, to keep: the first N by connection-seconds this period (1 to 1,000; default 1,000).")] string? limit,
        ClusterUsageClient usage,
        CancellationToken cancellationToken)
    {
        if (!UsageQueryParser.TryParse(prefix, limit, out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        return TypedResults.Ok(await usage.GetAsync(query, cancellationToken));
    }

    public static async Task<Results<JsonBytesResult<ClusterStats>, ValidationProblem>> GetClusterAsync(
        [Description("Keep only the N topics with the most connections (1 to 10,000); totals still count every topic.")] string? top,
        ClusterStatsClient cluster,
        ClusterStatsJson json,
        HttpResponse response,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var keep = TopicListQuery.ParseTop(top, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        var stats = await cluster.GetAsync(cancellationToken);
        response.Headers[TotalTopicsHeader] = stats.Topics.Count.ToString(CultureInfo.InvariantCulture);

        // Requests that shared the gather share its bytes too: the result is written once, not once per request.
        return new JsonBytesResult<ClusterStats>(json.Get(stats, keep));
    }

    public static async Task<Results<Ok<TopicListView>, ValidationProblem>> ListTopicsAsync(
        [Description("Only topics that start with this text (ordinal).")] string? prefix,
        [Description("'count' (most connections first, the default) or 'name'.")] string? sort,
        [Description("Keep only the first N topics of the order (1 to 10,000), then page through those.")] string? top,
        [Description("Topics to skip (0 or more); the answer's next_offset gives the next page.")] string? offset,
        [Description("Topics per page (1 to 10,000; default 100).")] string? limit,
        ClusterStatsClient cluster,
        CancellationToken cancellationToken)
    {
        if (!TopicListQuery.TryParse(prefix, sort, top, offset, limit, out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        var stats = await cluster.GetAsync(cancellationToken);
        return TypedResults.Ok(TopicRanking.List(stats, query));
    }

    public static Task<Results<Ok<TopicView>, ProblemHttpResult>> GetTopicAsync(
        [Description("The topic, each character outside A-Z a-z 0-9 - . _ ~ percent-encoded as UTF-8; '/' may stay as is or be %2F.")] string topic,
        HttpContext context,
        ClusterStatsClient cluster,
        CancellationToken cancellationToken) =>
        AnswerTopicAsync(TopicPath.Decode(topic, context.Features.Get<IHttpRequestFeature>()?.RawTarget), cluster, cancellationToken);

    public static Task<Results<Ok<TopicView>, ProblemHttpResult>> GetTopicByNameAsync(
        [Description("The topic, percent-encoded as UTF-8 (JavaScript encodeURIComponent, .NET Uri.EscapeDataString); '+' reads as a space, so a plus is %2B.")] string? name,
        ClusterStatsClient cluster,
        CancellationToken cancellationToken) =>
        AnswerTopicAsync(name, cluster, cancellationToken);

    private static async Task<Results<Ok<TopicView>, ProblemHttpResult>> AnswerTopicAsync(
        string? topic, ClusterStatsClient cluster, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > TopicNames.MaxLength)
        {
            return TypedResults.Problem(
                title: "Invalid topic",
                detail: $"A topic is 1 to {TopicNames.MaxLength} characters (UTF-16 code units) long.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var stats = await cluster.GetAsync(cancellationToken);
        if (!stats.Topics.ContainsKey(topic))
        {
            return TypedResults.Problem(
                title: "No connections on this topic",
                detail: stats.Partial
                    ? $"No answering node has '{topic}' joined; {stats.MissingNodes.Count} node(s) did not answer."
                    : $"No node has '{topic}' joined.",
                statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Ok(TopicView.Of(topic, stats));
    }

    public static async Task<Results<Ok<ScaleView>, ValidationProblem>> GetScaleAsync(
        [FromQuery(Name = "target_per_node"), Description("Sockets one node should carry (1 to 10,000,000); default ConnCount:Scale:TargetSocketsPerNode.")]
        string? targetPerNode,
        ClusterStatsClient cluster,
        IOptions<ScaleOptions> options,
        CancellationToken cancellationToken)
    {
        var target = options.Value.TargetSocketsPerNode;
        if (!string.IsNullOrEmpty(targetPerNode)
            && !(int.TryParse(targetPerNode, NumberStyles.None, CultureInfo.InvariantCulture, out target)
                && target is >= 1 and <= ScaleOptions.MaxTargetSocketsPerNode))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["target_per_node"] = ["target_per_node is a whole number from 1 to 10,000,000."] },
                title: "Invalid query");
        }

        var stats = await cluster.GetAsync(cancellationToken);
        return TypedResults.Ok(ScaleAdvisor.Advise(stats, target));
    }

    public static async Task<NodesView> GetNodesAsync(ClusterStatsClient cluster, CancellationToken cancellationToken)
    {
        var stats = await cluster.GetAsync(cancellationToken);
        var nodes = stats.Nodes.Select(n => new NodeView(
                n.Key, "ok", n.Value.Total, n.Value.Sockets, n.Value.StartedAt, n.Value.LastSeen, n.Value.Draining, n.Value.Users, n.Value.UsersEstimated, n.Value.UsersError))
            .Concat(stats.Stale.Select(n => new NodeView(n.Key, "missing", n.Value.Total, n.Value.Sockets, n.Value.StartedAt, n.Value.LastSeen, n.Value.Draining)))
            .OrderBy(n => n.Node, StringComparer.Ordinal)
            .ToList();
        return new NodesView(stats.ClusterSize, stats.Partial, nodes);
    }
}
