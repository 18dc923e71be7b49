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
        var samples = new LatencySamples(options.Iterations);
        long errors = 0, timeouts = 0;
        for (var i = -options.Warmup; i < options.Iterations; i++)
        {
            if (i == 0 && options.Warmup > 0)
            {
                // Tiered compilation finishes in the background: give it a moment before the timed requests.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }

            // The cluster size is checked on the warm-up and the last request, not on the timed ones.
            var check = options.Nodes > 0 && (i == -options.Warmup || i == options.Iterations - 1);
            var start = Stopwatch.GetTimestamp();
            var (status, size) = await GetAsync(client, options.StatsUrl, check, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (check && size != options.Nodes)
            {
                throw new InvalidOperationException($"GET {options.StatsUrl} answered cluster_size {size}, expected {options.Nodes}.");
            }

            if (i < 0)
            {
                continue;
            }

            if (status == 0)
            {
                timeouts++;
            }
            else if (status != HttpStatusCode.OK)
            {
                errors++;
            }
            else
            {
                samples.Add(elapsed);
            }
        }

        return new GatherReport("http", options.StatsUrl.ToString(), options.Nodes, samples.Summarize(), errors, timeouts, null);
    }
}
