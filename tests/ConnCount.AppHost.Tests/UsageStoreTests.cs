using Aspire.Hosting;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ConnCount.AppHost.Tests;

/// <summary>The whole AppHost: the services keep their durable usage in the JetStream store the AppHost gives NATS.</summary>
[Collection(AppHostCollection.Name)]
public sealed class UsageStoreTests(ConnCountAppFixture fixture)
{
    // The stats API creates the bucket as it starts; a node creates the stream with its first flush, 10 s after its start.
    private static readonly TimeSpan CreationTimeout = TimeSpan.FromSeconds(45);

    [Theory]
    [InlineData("CONNCOUNT_USAGE")]
    [InlineData("KV_conncount-usage-periods")]
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
}
