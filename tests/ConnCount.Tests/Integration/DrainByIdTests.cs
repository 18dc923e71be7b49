using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Draining one node by its id through the StatsApi (<c>/api/admin/nodes/{id}/drain</c>, over NATS to that node): who
/// may, what each failure answers, and what the drained node shows.
/// </summary>
public class DrainByIdTests
{

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static Dictionary<string, string> ApiKeys() => new()
    {
        ["ConnCount__Api__Key"] = TestApiKeys.Read,
        ["ConnCount__Api__AdminKey"] = TestApiKeys.Admin,
    };

    [Fact]
    public async Task Drain_by_id_closes_only_that_nodes_sockets_names_it_shows_it_draining_and_degraded_until_resumed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        var api = await cluster.StartApiAsync(ApiKeys());
        var onA = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var onB = await PhoenixTestClient.ConnectAsync(Ws(b));
        await onA.JoinAsync("room");
        await onB.JoinAsync("room");
        await Eventually.MatchAsync(() => NodesAsync(api), n => n.GetProperty("cluster_size").GetInt32() == 2);

        using var drain = await SendAsync(api, HttpMethod.Post, "/api/admin/nodes/node-a/drain", TestApiKeys.Admin);

        Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        var answer = await drain.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("node-a", answer.GetProperty("node").GetString());
        Assert.True(answer.GetProperty("draining").GetBoolean());
        Assert.Equal(1, answer.GetProperty("sockets_closed").GetInt32());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, await onA.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("ok", (await onB.HeartbeatAsync()).Status);
        var (refused, status) = await PhoenixTestClient.TryConnectAsync(Ws(a));
        Assert.Null(refused);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);

        var nodes = await Eventually.MatchAsync(() => NodesAsync(api), n => Node(n, "node-a").GetProperty("draining").GetBoolean());
        Assert.False(Node(nodes, "node-b").GetProperty("draining").GetBoolean());
        Assert.Equal(0, Node(nodes, "node-a").GetProperty("sockets").GetInt64());
        // Degraded is still 200: the node serves health, metrics and admin calls while it drains.
        using var health = new HttpClient { BaseAddress = a };
        using (var degraded = await health.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
            Assert.Equal("Degraded", await degraded.Content.ReadAsStringAsync());
        }

        // Bearer works as well as X-Api-Key.
        using var resume = await SendAsync(api, HttpMethod.Delete, "/api/admin/nodes/node-a/drain", TestApiKeys.Admin, bearer: true);

        Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        var resumed = await resume.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("node-a", resumed.GetProperty("node").GetString());
        Assert.False(resumed.GetProperty("draining").GetBoolean());
        Assert.Equal("Healthy", await health.GetStringAsync("/health"));
        await using var again = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.Equal("ok", (await again.JoinAsync("room")).Status);
        await Eventually.MatchAsync(() => NodesAsync(api), n => !Node(n, "node-a").GetProperty("draining").GetBoolean());
        await onA.DisposeAsync();
    }

    [Fact]
    public async Task Drain_by_id_needs_an_admin_key_in_a_header_a_read_key_is_403_and_a_cross_origin_simple_post_is_401()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        var api = await cluster.StartApiAsync(ApiKeys());
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        const string path = "/api/admin/nodes/node-a/drain";

        using var anonymous = await api.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        using var wrong = await SendAsync(api, HttpMethod.Post, path, TestApiKeys.Admin + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        using var readOnly = await SendAsync(api, HttpMethod.Post, path, TestApiKeys.Read);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Equal("Admin key required", (await ProblemAsync(readOnly)).GetProperty("title").GetString());
        using var readResume = await SendAsync(api, HttpMethod.Delete, path, TestApiKeys.Read);
        Assert.Equal(HttpStatusCode.Forbidden, readResume.StatusCode);

        // What a web page can send without a preflight: a text/plain POST, the key in the body or the query.
        using var simple = new HttpRequestMessage(HttpMethod.Post, path + "?key=" + TestApiKeys.Admin)
        {
            Content = new StringContent(TestApiKeys.Admin, Encoding.UTF8, "text/plain"),
        };
        simple.Headers.Add("Origin", "https://evil.example.com");
        using var fromPage = await api.SendAsync(simple);
        Assert.Equal(HttpStatusCode.Unauthorized, fromPage.StatusCode);
        Assert.False(fromPage.Headers.Contains("Access-Control-Allow-Origin"));

        // None of that drained the node; the admin key also reads the stats.
        Assert.Equal("ok", (await client.HeartbeatAsync()).Status);
        using var adminReads = await SendAsync(api, HttpMethod.Get, "/api/stats/nodes", TestApiKeys.Admin);
        Assert.Equal(HttpStatusCode.OK, adminReads.StatusCode);
        Assert.False(Node(await adminReads.Content.ReadFromJsonAsync<JsonElement>(), "node-a").GetProperty("draining").GetBoolean());
    }

    [Fact]
    public async Task Without_an_admin_key_configured_drain_by_id_is_403_naming_the_setting_even_on_an_open_development_api()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartNodeAsync("node-a");
        // No key at all: Development lets everyone read, never drain.
        var api = await cluster.StartApiAsync();

        using var stats = await api.GetAsync("/api/stats/nodes");
        Assert.Equal(HttpStatusCode.OK, stats.StatusCode);
        using var drain = await SendAsync(api, HttpMethod.Post, "/api/admin/nodes/node-a/drain", "anything");

        Assert.Equal(HttpStatusCode.Forbidden, drain.StatusCode);
        Assert.Contains("ConnCount:Api:AdminKey", (await ProblemAsync(drain)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_node_is_404_and_an_id_that_could_reach_other_subjects_is_400()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        var api = await cluster.StartApiAsync(ApiKeys());
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));

        using var unknown = await SendAsync(api, HttpMethod.Post, "/api/admin/nodes/node-z/drain", TestApiKeys.Admin);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("node-z", (await ProblemAsync(unknown)).GetProperty("detail").GetString());
        using var unknownResume = await SendAsync(api, HttpMethod.Delete, "/api/admin/nodes/node-z/drain", TestApiKeys.Admin);
        Assert.Equal(HttpStatusCode.NotFound, unknownResume.StatusCode);

        // A wildcard, a token separator, whitespace: each could address node-a (or every node) through another subject.
        foreach (var id in new[] { "*", ">", "node-a.admin", "node-a.*", "node%20a", "node-a%09", "node-a%0D%0APUB" })
        {
            using var invalid = await SendAsync(api, HttpMethod.Post, $"/api/admin/nodes/{id}/drain", TestApiKeys.Admin);
            Assert.True(invalid.StatusCode == HttpStatusCode.BadRequest, $"'{id}' answered {(int)invalid.StatusCode}");
            Assert.True((await ProblemAsync(invalid)).TryGetProperty("errors", out _));
        }

        Assert.Equal("ok", (await client.HeartbeatAsync()).Status);
    }

    [Fact]
    public async Task With_nats_down_drain_by_id_answers_503_with_retry_after()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartNodeAsync("node-a");
        var api = await cluster.StartApiAsync(ApiKeys());

        cluster.Nats.Kill();

        using var down = await Eventually.MatchAsync(
            () => SendAsync(api, HttpMethod.Post, "/api/admin/nodes/node-a/drain", TestApiKeys.Admin),
            r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(down.Headers.RetryAfter);
    }

    [Fact]
    public async Task The_openapi_document_declares_every_answer_of_drain_and_resume()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(ApiKeys());

        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var drain = document.GetProperty("paths").GetProperty("/api/admin/nodes/{id}/drain");
        foreach (var method in new[] { "post", "delete" })
        {
            var responses = drain.GetProperty(method).GetProperty("responses").EnumerateObject().Select(r => r.Name).Order().ToList();
            Assert.Equal(["200", "400", "401", "403", "404", "503", "504"], responses);
        }
    }

    private static async Task<JsonElement> NodesAsync(HttpClient api)
    {
        using var response = await SendAsync(api, HttpMethod.Get, "/api/stats/nodes", TestApiKeys.Read);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static JsonElement Node(JsonElement nodes, string id) =>
        nodes.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("node").GetString() == id);

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient api, HttpMethod method, string path, string key, bool bearer = false)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        else
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return api.SendAsync(request);
    }
}
