using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Disconnecting sockets through the StatsApi (<c>POST /api/admin/disconnect</c>, over NATS to every node): by user, by
/// topic and by node, who may, and that every refusal changes nothing.
/// </summary>
public class DisconnectTests
{
    private const WebSocketCloseStatus ByAdmin = (WebSocketCloseStatus)4001;

    private static readonly Dictionary<string, string> NodeSettings = new()
    {
        ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
    };

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static Dictionary<string, string> ApiSettings(string? adminTimeout = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["ConnCount__Api__Key"] = TestApiKeys.Read,
            ["ConnCount__Api__PublishKey"] = TestApiKeys.Publish,
            ["ConnCount__Api__AdminKey"] = TestApiKeys.Admin,
        };
        if (adminTimeout is not null)
        {
            settings["ConnCount__Cluster__AdminTimeout"] = adminTimeout;
        }

        return settings;
    }

    [Fact]
    public async Task Disconnect_by_user_closes_only_that_users_sockets_on_every_node_with_4001_and_counts_down_exactly_their_memberships()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a", NodeSettings);
        var b = await cluster.StartNodeAsync("node-b", NodeSettings);
        var api = await cluster.StartApiAsync(ApiSettings());
        var aliceToken = new { token = JoinTokens.Issue(["*"], user: "alice") };

        // Alice on node-a through her joins' tokens (two topics and a watch), on node-b through her socket's authToken.
        await using var aliceOnA = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await aliceOnA.JoinAsync("room:1", aliceToken)).IsOk);
        Assert.True((await aliceOnA.JoinAsync("room:2", aliceToken)).IsOk);
        Assert.True((await aliceOnA.JoinAsync("stats:room:1")).IsOk);
        var (withAuthToken, _) = await PhoenixTestClient.TryConnectAsync(Ws(b), configure: o =>
        {
            o.AddSubProtocol("phoenix");
            o.AddSubProtocol(JoinTokens.SubProtocolFor(JoinTokens.Issue(["*"], user: "alice")));
        });
        await using var aliceOnB = withAuthToken!;
        Assert.True((await aliceOnB.JoinAsync("room:1")).IsOk);
        await using var bob = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await bob.JoinAsync("room:1", new { token = JoinTokens.Issue(["*"], user: "bob") })).IsOk);
        await using var anonymous = await PhoenixTestClient.ConnectAsync(Ws(b));
        Assert.True((await anonymous.JoinAsync("room:1")).IsOk);
        Assert.True((await anonymous.JoinAsync("room:2")).IsOk);
        await Eventually.MatchAsync(() => StatsAsync(api), s => Total(s) == 6 && s.GetProperty("total_watchers").GetInt64() == 1);

        using var response = await PostAsync(api, TestApiKeys.Admin, """{"user": "alice"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("user", answer.GetProperty("by").GetString());
        Assert.Equal("alice", answer.GetProperty("value").GetString());
        Assert.Equal(2, answer.GetProperty("sockets_closed").GetInt32());
        Assert.Equal(1, answer.GetProperty("nodes").GetProperty("node-a").GetInt32());
        Assert.Equal(1, answer.GetProperty("nodes").GetProperty("node-b").GetInt32());
        Assert.False(answer.GetProperty("partial").GetBoolean());
        foreach (var alice in new[] { aliceOnA, aliceOnB })
        {
            Assert.Equal(ByAdmin, await alice.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal("disconnected by admin", alice.CloseReason);
        }

        Assert.True((await bob.HeartbeatAsync()).IsOk);
        Assert.True((await anonymous.HeartbeatAsync()).IsOk);
        // room:1 loses alice's two memberships, room:2 her one, the watchers hers: bob's and the anonymous socket's stay.
        var after = await Eventually.MatchAsync(() => StatsAsync(api), s => Total(s) == 3);
        Assert.Equal(2, Topic(after, "room:1"));
        Assert.Equal(1, Topic(after, "room:2"));
        Assert.Equal(0, after.GetProperty("total_watchers").GetInt64());
        Assert.Equal(2, after.GetProperty("total_sockets").GetInt64());
    }

    [Fact]
    public async Task Disconnect_by_topic_closes_its_members_on_every_node_with_their_other_memberships_and_nobody_else()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        var api = await cluster.StartApiAsync(ApiSettings());
        await using var both = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await both.JoinAsync("room:1")).IsOk);
        Assert.True((await both.JoinAsync("room:2")).IsOk);
        await using var member = await PhoenixTestClient.ConnectAsync(Ws(b));
        Assert.True((await member.JoinAsync("room:1")).IsOk);
        await using var other = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await other.JoinAsync("room:2")).IsOk);
        // A watcher of the topic is not a member of it.
        await using var watcher = await PhoenixTestClient.ConnectAsync(Ws(b));
        Assert.True((await watcher.JoinAsync("stats:room:1")).IsOk);
        await Eventually.MatchAsync(() => StatsAsync(api), s => Total(s) == 4 && s.GetProperty("total_sockets").GetInt64() == 4);

        using (var nobody = await PostAsync(api, TestApiKeys.Admin, """{"topic": "room:nobody"}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
            Assert.Equal("Unknown topic", (await nobody.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        using var response = await PostAsync(api, TestApiKeys.Admin, """{"topic": "room:1"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, answer.GetProperty("sockets_closed").GetInt32());
        Assert.False(answer.GetProperty("partial").GetBoolean());
        Assert.Equal(ByAdmin, await both.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ByAdmin, await member.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True((await other.HeartbeatAsync()).IsOk);
        Assert.True((await watcher.HeartbeatAsync()).IsOk);
        var after = await Eventually.MatchAsync(() => StatsAsync(api), s => Total(s) == 1);
        Assert.False(after.GetProperty("topics").TryGetProperty("room:1", out _));
        Assert.Equal(1, Topic(after, "room:2"));
    }

    [Fact]
    public async Task Disconnect_by_node_closes_every_socket_of_that_node_which_still_accepts_new_ones_and_an_unknown_node_is_404()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        var api = await cluster.StartApiAsync(ApiSettings());
        await using var first = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await first.JoinAsync("room:1")).IsOk);
        await using var second = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await second.JoinAsync("room:1")).IsOk);
        Assert.True((await second.JoinAsync("room:2")).IsOk);
        await using var elsewhere = await PhoenixTestClient.ConnectAsync(Ws(b));
        Assert.True((await elsewhere.JoinAsync("room:1")).IsOk);
        await Eventually.MatchAsync(() => StatsAsync(api), s => Total(s) == 4);

        using (var unknown = await PostAsync(api, TestApiKeys.Admin, """{"node": "node-z"}"""))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Contains("node-z", (await ProblemAsync(unknown)).GetProperty("detail").GetString());
        }

        using var response = await PostAsync(api, TestApiKeys.Admin, """{"node": "node-a"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("node", answer.GetProperty("by").GetString());
        Assert.Equal(2, answer.GetProperty("sockets_closed").GetInt32());
        Assert.Equal(["node-a"], answer.GetProperty("nodes").EnumerateObject().Select(n => n.Name));
        Assert.Equal(ByAdmin, await first.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(ByAdmin, await second.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True((await elsewhere.HeartbeatAsync()).IsOk);
        var after = await Eventually.MatchAsync(() => StatsAsync(api), s => Total(s) == 1);
        Assert.Equal(1, Topic(after, "room:1"));
        // Not a drain: the node takes sockets again at once.
        await using var again = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await again.JoinAsync("room:1")).IsOk);
    }

    [Fact]
    public async Task A_node_that_does_not_answer_makes_the_answer_partial_and_named_missing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a", NodeSettings);
        await cluster.StartNodeAsync("node-b", NodeSettings);
        var api = await cluster.StartApiAsync(ApiSettings(adminTimeout: "00:00:02"));
        await using var alice = await PhoenixTestClient.ConnectAsync(Ws(a));
        Assert.True((await alice.JoinAsync("room:1", new { token = JoinTokens.Issue(["*"], user: "alice") })).IsOk);
        await Eventually.MatchAsync(() => StatsAsync(api), s => s.GetProperty("cluster_size").GetInt32() == 2);

        cluster.Nodes["node-b"].Process.Kill();
        using var response = await PostAsync(api, TestApiKeys.Admin, """{"user": "alice"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("partial").GetBoolean());
        Assert.Equal(["node-b"], answer.GetProperty("missing_nodes").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(1, answer.GetProperty("nodes").GetProperty("node-a").GetInt32());
        Assert.Equal(ByAdmin, await alice.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Disconnect_needs_an_admin_key_and_one_valid_selector_and_every_refusal_leaves_every_socket_and_count_alone()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", NodeSettings);
        var api = await cluster.StartApiAsync(ApiSettings());
        await using var alice = await PhoenixTestClient.ConnectAsync(Ws(node));
        Assert.True((await alice.JoinAsync("room:1", new { token = JoinTokens.Issue(["*"], user: "alice") })).IsOk);
        await Eventually.MatchAsync(() => StatsAsync(api), s => Total(s) == 1);
        const string valid = """{"user": "alice"}""";

        using (var anonymous = await api.PostAsync("/api/admin/disconnect", new StringContent(valid, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        foreach (var key in new[] { TestApiKeys.Read, TestApiKeys.Publish })
        {
            using var forbidden = await PostAsync(api, key, valid);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        var invalid = new[]
        {
            "", "{}", "[]", "null", "\"alice\"", "{\"user\": 5}", "{\"usr\": \"alice\"}", "{\"user\": \"alice\", \"extra\": 1}",
            "{\"user\": \"alice\", \"topic\": \"room:1\"}", "{\"user\": \"alice\", \"node\": \"node-a\"}", "{\"user\": null}",
            "{\"user\": \"\"}", "{\"topic\": \"\"}", "{\"node\": \"\"}", $"{{\"user\": \"{new string('u', 257)}\"}}",
            $"{{\"topic\": \"{new string('t', 257)}\"}}", "{\"node\": \"node-a.admin\"}", "{\"node\": \"*\"}", "{\"node\": \">\"}", "{\"user\": \"alice\"",
        };
        foreach (var body in invalid)
        {
            using var refused = await PostAsync(api, TestApiKeys.Admin, body);
            Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{body} answered {(int)refused.StatusCode}");
            Assert.True((await ProblemAsync(refused)).TryGetProperty("errors", out _), body);
        }

        // What a web page could send without a preflight, even with a key: not JSON, so refused before anything is read.
        using (var plainText = await PostAsync(api, TestApiKeys.Admin, valid, mediaType: "text/plain"))
        {
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, plainText.StatusCode);
        }

        // None of that closed anything or moved a count.
        Assert.True((await alice.HeartbeatAsync()).IsOk);
        var stats = await StatsAsync(api);
        Assert.Equal(1, Total(stats));
        Assert.Equal(1, stats.GetProperty("total_sockets").GetInt64());
    }

    [Fact]
    public async Task The_openapi_document_declares_every_answer_of_disconnect_and_its_body()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(ApiSettings());

        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var disconnect = document.GetProperty("paths").GetProperty("/api/admin/disconnect").GetProperty("post");
        var responses = disconnect.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order().ToList();
        Assert.Equal(["200", "400", "401", "403", "404", "503", "504"], responses);
        Assert.True(disconnect.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
    }

    private static async Task<JsonElement> StatsAsync(HttpClient api)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
        request.Headers.Add("X-Api-Key", TestApiKeys.Read);
        using var response = await api.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var stats = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(Total(stats) >= 0 && stats.GetProperty("topics").EnumerateObject().All(t => t.Value.GetProperty("total").GetInt64() > 0));
        return stats;
    }

    private static long Total(JsonElement stats) => stats.GetProperty("total_connections").GetInt64();

    private static long Topic(JsonElement stats, string topic) => stats.GetProperty("topics").GetProperty(topic).GetProperty("total").GetInt64();

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient api, string key, string body, string mediaType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/disconnect")
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return api.SendAsync(request);
    }
}
