using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The AppHost's NATS runs JetStream, and its store outlives the AppHost: what one run stored, the next run has.
/// </summary>
/// <remarks>
/// Only the AppHost's own NATS resource is started (the services are taken out of the model), so each of the two
/// starts costs one <c>nats-server</c>, not five processes.
/// </remarks>
public sealed class JetStreamStoreTests
{
    private const string Stream = "CONNCOUNT_APPHOST_TEST";
    private const string Subject = "conncount.test.apphost.store";

    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_stream_stored_in_the_configured_data_path_keeps_its_message_across_an_apphost_restart()
    {
        var dataPath = Directory.CreateTempSubdirectory("conncount-apphost-js-").FullName;
        try
        {
            using var timeout = new CancellationTokenSource(TestTimeout);

            await using (var app = await StartNatsOnlyAsync(dataPath, timeout.Token))
            {
                await using var nats = await ConnectAsync(app, timeout.Token);
                var js = new NatsJSContext(nats);

                // Answered only when JetStream is on; a fresh store holds no stream.
                var account = await js.GetAccountInfoAsync(timeout.Token);
                Assert.Equal(0, account.Streams);

                await js.CreateStreamAsync(new StreamConfig(Stream, [Subject]) { Storage = StreamConfigStorage.File }, timeout.Token);
                var ack = await js.PublishAsync(Subject, "kept", cancellationToken: timeout.Token);
                ack.EnsureSuccess();

                // The server's store is its own folder under the data path: {data path}/{resource name}/jetstream.
                var streamFolder = Path.Combine(dataPath, "nats", "jetstream", "$G", "streams", Stream);
                Assert.True(Directory.Exists(streamFolder), $"No stream folder {streamFolder}.");

                await app.StopAsync(timeout.Token);
            }

            await using (var app = await StartNatsOnlyAsync(dataPath, timeout.Token))
            {
                await using var nats = await ConnectAsync(app, timeout.Token);
                var js = new NatsJSContext(nats);

                var stream = await js.GetStreamAsync(Stream, cancellationToken: timeout.Token);
                Assert.Equal(1L, stream.Info.State.Messages);

                var consumer = await js.CreateOrderedConsumerAsync(Stream, cancellationToken: timeout.Token);
                var message = await consumer.NextAsync<string>(cancellationToken: timeout.Token);
                Assert.Equal("kept", message?.Data);

                await app.StopAsync(timeout.Token);
            }
        }
        finally
        {
            Directory.Delete(dataPath, recursive: true);
        }
    }

    /// <summary>The AppHost with <c>ConnCount:Nats:DataPath</c> set and its services removed, once <c>nats</c> is healthy.</summary>
    private static async Task<DistributedApplication> StartNatsOnlyAsync(string dataPath, CancellationToken cancellationToken)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ConnCount_AppHost>(
            ["--ConnCount:RandomPorts=true", $"--ConnCount:Nats:DataPath={dataPath}"],
            (options, _) => options.DisableDashboard = true,
            cancellationToken);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting", LogLevel.Warning));
        foreach (var service in builder.Resources.OfType<ProjectResource>().ToList())
        {
            builder.Resources.Remove(service);
        }

        var app = await builder.BuildAsync(cancellationToken);
        try
        {
            await app.StartAsync(cancellationToken);
            await app.ResourceNotifications.WaitForResourceHealthyAsync("nats", cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    private static async Task<NatsConnection> ConnectAsync(DistributedApplication app, CancellationToken cancellationToken)
    {
        var url = await app.GetConnectionStringAsync("nats", cancellationToken);
        var connection = new NatsConnection(NatsOpts.Default with { Url = url! });
        await connection.ConnectAsync();
        return connection;
    }
}
