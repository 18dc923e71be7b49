using ConnCount.Cluster;
using ConnCount.Cluster.Contracts;
using ConnCount.StatsApi.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnCount.StatsApi.Stats;

/// <summary>The REST API over the cluster's counts, under <c>/api/stats</c>.</summary>
public static class StatsApi
{
    /// <summary>Longest topic a query may name (the nodes refuse longer joins).</summary>
    public const int MaxTopicLength = 256;

    public static RouteGroupBuilder MapStatsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/stats")
            .WithTags("Stats")
            .RequireAuthorization(ApiKeyDefaults.ReadStatsPolicy);

        api.MapGet("/", GetClusterAsync)
            .WithName("GetClusterStats")
            .WithSummary("The whole cluster: totals, per topic, per node; partial when a node did not answer.");
        api.MapGet("/topics/{*topic}", GetTopicAsync)
            .WithName("GetTopicStats")
            .WithSummary("One topic across the cluster, per node.");
        api.MapGet("/nodes", GetNodesAsync)
            .WithName("GetNodes")
            .WithSummary("Every node with its totals, sockets, start time and last-seen; missing nodes with their last-known counts.");

        return api;
    }

    public static Task<ClusterStats> GetClusterAsync(ClusterStatsClient cluster, CancellationToken cancellationToken) =>
        cluster.GetAsync(cancellationToken);

    public static async Task<Results<Ok<TopicView>, ProblemHttpResult>> GetTopicAsync(
        string topic, ClusterStatsClient cluster, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > MaxTopicLength)
        {
            return TypedResults.Problem(
                title: "Invalid topic",
                detail: $"A topic is 1 to {MaxTopicLength} characters long.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        var stats = await cluster.GetAsync(cancellationToken);
        if (!stats.Topics.TryGetValue(topic, out var topicStats))
        {
            return TypedResults.Problem(
                title: "No connections on this topic",
                detail: stats.Partial
                    ? $"No answering node has '{topic}' joined; {stats.MissingNodes.Count} node(s) did not answer."
                    : $"No node has '{topic}' joined.",
                statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Ok(new TopicView(topic, topicStats.Total, topicStats.Nodes, stats.Partial, stats.MissingNodes));
    }

    public static async Task<NodesView> GetNodesAsync(ClusterStatsClient cluster, CancellationToken cancellationToken)
    {
        var stats = await cluster.GetAsync(cancellationToken);
        var nodes = stats.Nodes.Select(n => new NodeView(n.Key, "ok", n.Value.Total, n.Value.Sockets, n.Value.StartedAt, n.Value.LastSeen))
            .Concat(stats.Stale.Select(n => new NodeView(n.Key, "missing", n.Value.Total, n.Value.Sockets, n.Value.StartedAt, n.Value.LastSeen)))
            .OrderBy(n => n.Node, StringComparer.Ordinal)
            .ToList();
        return new NodesView(stats.ClusterSize, stats.Partial, nodes);
    }
}
