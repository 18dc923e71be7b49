using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace ConnCount.GatherBench;

/// <summary>An HTTP client for <c>GET /api/stats</c> that can hold as many connections as there are pollers.</summary>
internal static class StatsHttp
{
    public static HttpClient CreateClient(GatherOptions options, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.Timeout,
        };
        var client = new HttpClient(handler) { Timeout = options.Timeout };
        if (options.ApiKey is { Length: > 0 } key)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    /// <summary>One GET, body read to the end. Returns the status (0 on a timeout) and, when asked, the cluster size in the body.</summary>
    public static async Task<(HttpStatusCode Status, int ClusterSize)> GetAsync(HttpClient client, Uri url, bool readClusterSize, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var size = -1;
            if (readClusterSize && response.IsSuccessStatusCode)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
                size = body.RootElement.TryGetProperty("cluster_size", out var value) ? value.GetInt32() : -1;
            }

            return (response.StatusCode, size);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, -1);
        }
        catch (HttpRequestException)
        {
            return (HttpStatusCode.ServiceUnavailable, -1);
        }
    }

    /// <summary>Sequential GETs, one connection: the latency a single client sees.</summary>
    public static async Task<GatherReport> RunLatencyAsync(GatherOptions options, CancellationToken cancellationToken)
    {
        using var client = CreateClient(options, 1);
        var series = new TimedSeries(options.Iterations);
        await TimedSeries.RunAsync(options, i => TimeOnceAsync(client, options, i, i >= 0 ? series : null, cancellationToken), cancellationToken);
        return new GatherReport("http", options.StatsUrl.ToString(), options.Nodes, series.Samples.Summarize(), series.Errors, series.Timeouts, null);
    }

    /// <summary>
    /// GET number <paramref name="i"/> of a sequential run, timed; recorded into <paramref name="series"/> unless it is
    /// null (a warm-up). The cluster size is checked on the first warm-up request and the last one, not on the timed ones.
    /// </summary>
    public static async Task TimeOnceAsync(HttpClient client, GatherOptions options, int i, TimedSeries? series, CancellationToken cancellationToken)
    {
        var check = options.Nodes > 0 && (i == -options.Warmup || i == options.Iterations - 1);
        var start = Stopwatch.GetTimestamp();
        var (status, size) = await GetAsync(client, options.StatsUrl, check, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(start);
        if (check && size != options.Nodes)
        {
            throw new InvalidOperationException($"GET {options.StatsUrl} answered cluster_size {size}, expected {options.Nodes}.");
        }

        series?.AddHttp(status, elapsed);
    }
}
