using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ConnCount.AppHost.Tests;

/// <summary>The whole AppHost: the services keep their durable usage and the cluster history in the JetStream store the AppHost gives NATS.</summary>
[Collection(AppHostCollection.Name)]
public sealed class UsageStoreTests(ConnCountAppFixture fixture)
{
    // The stats API creates the bucket and the history stream as it starts; a node creates the stream with its first flush, 10 s after its start.
    private static readonly TimeSpan CreationTimeout = TimeSpan.FromSeconds(45);

    [Theory]
    [InlineData("CONNCOUNT_USAGE")]
    [InlineData("KV_conncount-usage-periods")]
    [InlineData("CONNCOUNT_HISTORY")]
    public async Task The_usage_stream_and_the_closed_periods_bucket_live_in_the_store_under_the_data_path(string stream)
    {
        using var timeout = new CancellationTokenSource(CreationTimeout + TimeSpan.FromSeconds(15));
        var folder = Path.Combine(fixture.NatsDataPath, "nats", "jetstream", "$G", "streams", stream);
        await Eventually.MatchAsync(() => Task.FromResult(Directory.Exists(folder)), exists => exists, CreationTimeout, $"{folder} should appear", timeout.Token);

        var url = await fixture.App.GetConnectionStringAsync("nats", timeout.Token);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = url! });
        var info = await new NatsJSContext(nats).GetStreamAsync(stream, cancellationToken: timeout.Token);
        Assert.Equal(StreamConfigStorage.File, info.Info.Config.Storage);
    }

    [Fact]
    public async Task The_stats_api_stores_a_sample_of_the_whole_cluster_every_minute()
    {
        // The first whole minute after the stats API started, and the gather after it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(-10).ToString("O", System.Globalization.CultureInfo.InvariantCulture));

        var series = await Eventually.MatchAsync(
            async () => await fixture.StatsApi.GetFromJsonAsync<JsonElement>($"/api/stats/history?from={from}", timeout.Token),
            h => h.GetProperty("points").EnumerateArray().Any(p => !p.GetProperty("partial").GetBoolean()),
            TimeSpan.FromSeconds(85),
            "a complete sample is stored at a whole minute",
            timeout.Token);

        var point = series.GetProperty("points").EnumerateArray().First(p => !p.GetProperty("partial").GetBoolean());
        Assert.Equal(ConnCountAppFixture.SocketNodeReplicas, point.GetProperty("nodes").GetInt32());
        Assert.Empty(point.GetProperty("missing_nodes").EnumerateArray());
    }
}
