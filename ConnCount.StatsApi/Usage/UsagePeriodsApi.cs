using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace ConnCount.StatsApi.Usage;

/// <summary><c>GET /api/stats/usage/periods</c>: closed usage periods for billing, as JSON or CSV.</summary>
public static class UsagePeriodsApi
{
    /// <summary>The CSV media type, asked for with <c>Accept: text/csv</c>.</summary>
    public const string CsvMediaType = "text/csv";

    /// <summary>Maps the endpoint on the stats group (its key, its query filter, its problems).</summary>
    public static RouteGroupBuilder MapUsagePeriods(this RouteGroupBuilder api)
    {
        api.MapGet("/usage/periods", ListPeriodsAsync)
            .WithName("ListUsagePeriods")
            .Produces(StatusCodes.Status200OK, contentType: CsvMediaType)
            .WithSummary("Closed usage periods (connection-ms per node, topic and tenant), written once and never changed; JSON, or CSV with Accept: text/csv.");
        return api;
    }

    public static async Task<Results<JsonHttpResult<UsagePeriodList>, ContentHttpResult, ValidationProblem>> ListPeriodsAsync(
        [Description("Periods that start at or after this ISO 8601 instant (default: a day before to).")] string? from,
        [Description("Periods that start before this ISO 8601 instant (default: now). At most 366 days after from.")] string? to,
        [Description("Only this tenant under tenants.")] string? tenant,
        [Description("Only topics that start with this text (ordinal, at most 256 characters).")] string? topic_prefix,
        UsagePeriodArchive archive,
        TimeProvider time,
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (!UsagePeriodQuery.TryParse(from, to, tenant, topic_prefix, time.GetUtcNow(), out var query, out var errors))
        {
            return TypedResults.ValidationProblem(errors, title: "Invalid query");
        }

        var records = await archive.ListAsync(query.From, query.To, cancellationToken);
        var list = new UsagePeriodList(query.From, query.To, [.. records.Select(r => UsagePeriodView.Of(r, query))]);
        return WantsCsv(request)
            ? TypedResults.Text(list.ToCsv(), CsvMediaType + "; charset=utf-8")
            : TypedResults.Json(list, UsagePeriodJsonContext.Default.UsagePeriodList);
    }

    private static bool WantsCsv(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(CsvMediaType, StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);
}
