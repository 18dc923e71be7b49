using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnCount.StatsApi.History;

/// <summary><c>GET /api/stats/history</c>: the cluster's figures over time, from the stored samples.</summary>
public static class HistoryApi
{
    /// <summary>Maps the endpoint on the stats group (its key, its query filter, its problems).</summary>
    public static RouteGroupBuilder MapHistory(this RouteGroupBuilder api)
    {
        api.MapGet("/history", GetHistoryAsync)
            .WithName("GetHistory")
            .WithSummary("Sockets, memberships, nodes, missing nodes, joins and leaves and per-tenant open connections over time, one point per step; see docs/history.md.");
        return api;
    }

    public static async Task<Results<Ok<HistorySeries>, ValidationProblem>> GetHistoryAsync(
        [Description("Points from this ISO 8601 instant (default: an hour before to).")] string? from,
        [Description("Points before this ISO 8601 instant (default: now).")] string? to,
        [Description("1m, 5m or 1h (default 1m); a range holds at most 10,080 steps.")] string? step,
        HistoryArchive archive,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!HistoryQuery.TryParse(from, to, step, time.GetUtcNow(), out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        var samples = await archive.ReadAsync(query.From, query.To, cancellationToken);
        return TypedResults.Ok(HistorySeries.Of(query, samples));
    }
}
