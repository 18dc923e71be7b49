using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Secrets sent in URLs and headers (API keys, join tokens) reach no log output, console or OTLP, with
/// ASP.NET Core logging at Information; the live page's redirect does not repeat the key; a service started
/// from another working directory still reads its own appsettings.json.
/// </summary>
public class SecretRedactionTests
{
    [Fact]
    public async Task Keys_and_tokens_appear_in_no_console_or_OTLP_output()
    {
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
        var socketToken = JoinTokens.SubProtocolFor(secret);
        await using var otlp = OtlpReceiver.Start();
        var console = new ConcurrentQueue<string>();
        var telemetry = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Information",
            // The node turns request logging off by default (a logging scope per socket); this test wants every request line.
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            ["ConnCount__Api__Key"] = secret,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp.Endpoint.ToString(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        };
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", telemetry, new ServiceLaunch(OnLine: console.Enqueue));
        var api = await cluster.StartApiAsync(telemetry, new ServiceLaunch(OnLine: console.Enqueue));

        // The socket: ?token= (the phoenix client's params) and the authToken sub-protocol.
        using (var socket = new ClientWebSocket())
        {
            socket.Options.AddSubProtocol("phoenix");
            socket.Options.AddSubProtocol(socketToken);
            await socket.ConnectAsync(new Uri(PhoenixTestClient.WebSocketUri(node), $"/socket/websocket?vsn=2.0.0&token={secret}"), CancellationToken.None);
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = api.BaseAddress };
        foreach (var query in new[] { $"key={secret}", $"token={secret}", $"api_key={secret}", $"access_token={secret}", $"a=1&KEY={secret}" })
        {
            (await http.GetAsync($"/?{query}")).Dispose();
            (await http.GetAsync($"/live/?{query}")).Dispose();
            (await http.GetAsync($"/api/stats?{query}")).Dispose();
            using var nodeRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(node, $"/health?{query}"));
            (await http.SendAsync(nodeRequest)).Dispose();
        }

        foreach (var (header, value) in new[] { ("X-Api-Key", secret), ("Authorization", "Bearer " + secret), ("X-Admin-Key", secret) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
            request.Headers.TryAddWithoutValidation(header, value);
            (await http.SendAsync(request)).Dispose();
            using var drain = new HttpRequestMessage(HttpMethod.Delete, new Uri(node, "/admin/drain"));
            drain.Headers.TryAddWithoutValidation(header, value);
            (await http.SendAsync(drain)).Dispose();
        }

        // A request Kestrel itself rejects (NUL in the path) still carries the key in its request line.
        (await http.GetAsync($"/api/stats/topics/x%00y?key={secret}")).Dispose();

        // Markers, logged after everything above: once both are out, so is every earlier entry of that process.
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        (await http.GetAsync($"/live/{marker}-api")).Dispose();
        (await http.GetAsync(new Uri(node, $"/{marker}-node"))).Dispose();
        await Eventually.MatchAsync(() => Task.FromResult(string.Join('\n', console)),
            text => text.Contains(marker + "-api", StringComparison.Ordinal) && text.Contains(marker + "-node", StringComparison.Ordinal),
            because: "both services log the marker requests on the console");
        await Eventually.MatchAsync(() => Task.FromResult(otlp.Received("/v1/logs")),
            text => text.Contains(marker + "-api", StringComparison.Ordinal) && text.Contains(marker + "-node", StringComparison.Ordinal),
            because: "both services export the marker requests' logs over OTLP");

        var consoleText = string.Join('\n', console);
        Assert.Contains("Request starting", consoleText, StringComparison.Ordinal);
        Assert.Contains("?key=[redacted]", consoleText, StringComparison.Ordinal);
        foreach (var leak in new[] { secret, socketToken })
        {
            Assert.DoesNotContain(leak, consoleText, StringComparison.Ordinal);
            foreach (var (path, payload) in otlp.All())
            {
                Assert.False(payload.Contains(leak, StringComparison.Ordinal), $"OTLP {path} carries a secret");
            }
        }
    }

    [Fact]
    public async Task The_redirect_from_the_root_does_not_repeat_the_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = "redirect-key-0123456789" });
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = api.BaseAddress };

        using var response = await http.GetAsync("/?key=redirect-key-0123456789&x=1");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/live/", response.Headers.Location?.OriginalString);
    }

    [Theory]
    [InlineData("ConnCount.StatsApi")]
    [InlineData("ConnCount.SocketNode")]
    public async Task A_service_started_from_another_folder_reads_its_own_appsettings(string project)
    {
        // appsettings.json sets Microsoft.AspNetCore to Warning; with Default at Information and no other
        // override, a request is logged ("Request starting") only if that file was not read.
        var elsewhere = Directory.CreateTempSubdirectory("conncount-cwd-").FullName;
        var console = new ConcurrentQueue<string>();
        var launch = new ServiceLaunch(elsewhere, console.Enqueue);
        var settings = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" };
        await using var cluster = await TestCluster.StartAsync();
        try
        {
            var process = project == "ConnCount.StatsApi"
                ? await StartApiAsync(cluster, settings, launch)
                : await StartNodeAsync(cluster, settings, launch);

            // The start waited for /health to answer: requests were served. Stopping logs a last Information line.
            await process.StopAsync(TimeSpan.FromSeconds(15));
            var text = await Eventually.MatchAsync(() => Task.FromResult(string.Join('\n', console)),
                t => t.Contains("Application is shutting down", StringComparison.Ordinal),
                because: "the lifetime logs its shutdown at Information");

            Assert.DoesNotContain("Request starting", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    private static async Task<ExternalProcess> StartApiAsync(TestCluster cluster, Dictionary<string, string> settings, ServiceLaunch launch)
    {
        await cluster.StartApiAsync(settings, launch);
        return cluster.ApiProcess!;
    }

    private static async Task<ExternalProcess> StartNodeAsync(TestCluster cluster, Dictionary<string, string> settings, ServiceLaunch launch)
    {
        await cluster.StartNodeAsync("node-a", settings, launch);
        return cluster.Nodes["node-a"].Process;
    }
}
