using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Server publish through the StatsApi against real nodes: only a publish or admin key may, and the members on every node get it.</summary>
public class ServerPublishTests
{

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["ConnCount__Messages__Topics__0__Pattern"] = "room:*",
        ["ConnCount__Messages__Topics__0__MaxPayloadBytes"] = "200",
    };

    private static async Task<HttpResponseMessage> PostAsync(HttpClient api, string path, string? key, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return await api.SendAsync(request);
    }

    [Fact]
    public async Task A_publish_key_sends_to_every_member_on_every_node_and_a_read_key_may_not()
    {
        await using var cluster = await TestCluster.StartAsync(Settings);
        var a = PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync("node-a"));
        var b = PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync("node-b"));
        var api = await cluster.StartApiAsync(new()
        {
            ["ConnCount__Api__Key"] = TestApiKeys.Read,
            ["ConnCount__Api__PublishKey"] = TestApiKeys.Publish,
            ["ConnCount__Api__AdminKey"] = TestApiKeys.Admin,
        });
        await using var first = await PhoenixTestClient.ConnectAsync(a);
        await using var second = await PhoenixTestClient.ConnectAsync(b);
        Assert.True((await first.JoinAsync("room:a/b")).IsOk);
        Assert.True((await second.JoinAsync("room:a/b")).IsOk);
        const string Path = "/api/topics/room%3Aa%2Fb/messages";
        const string Body = """{"event":"announcement","payload":{"text":"maintenance at noon"}}""";

        using (var anonymous = await PostAsync(api, Path, null, Body))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var reader = await PostAsync(api, Path, TestApiKeys.Read, Body))
        {
            Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
            Assert.Equal("Publish key required", (await reader.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        using (var published = await PostAsync(api, Path, TestApiKeys.Publish, Body))
        {
            Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);
            var answer = await published.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("room:a/b", answer.GetProperty("topic").GetString());
            Assert.Equal("announcement", answer.GetProperty("event").GetString());
        }

        using (var byAdmin = await PostAsync(api, Path, TestApiKeys.Admin, """{"event":"second","payload":{}}"""))
        {
            Assert.Equal(HttpStatusCode.Accepted, byAdmin.StatusCode);
        }

        foreach (var member in new[] { first, second })
        {
            var got = await Eventually.MatchAsync(
                () => Task.FromResult(member.Pushes.Where(p => p[2].GetString() == "room:a/b").Select(p => p[3].GetString()).ToList()),
                events => events.Count == 2);
            Assert.Equal(["announcement", "second"], got);
            var frame = member.Pushes.First(p => p[3].GetString() == "announcement");
            Assert.Equal(JsonValueKind.Null, frame[0].ValueKind);
            Assert.Equal("maintenance at noon", frame[4].GetProperty("text").GetString());
        }

        // The stats did not count a message as anything.
        api.DefaultRequestHeaders.Add("X-Api-Key", TestApiKeys.Read);
        var stats = await cluster.GetStatsAsync();
        Assert.Equal(2, stats.GetProperty("total_connections").GetInt64());
    }

    [Fact]
    public async Task A_publish_nats_does_not_confirm_answers_503_within_the_publish_timeout_and_one_without_nats_too()
    {
        await using var cluster = await TestCluster.StartAsync(Settings);
        var api = await cluster.StartApiAsync(new()
        {
            ["ConnCount__Api__PublishKey"] = TestApiKeys.Publish,
            ["ConnCount__Cluster__PublishTimeout"] = "00:00:03",
        });
        const string Path = "/api/topics/room%3Aoutage/messages";
        const string Body = """{"event":"announcement","payload":{}}""";
        using (var healthy = await PostAsync(api, Path, TestApiKeys.Publish, Body))
        {
            Assert.Equal(HttpStatusCode.Accepted, healthy.StatusCode);
        }

        // Paused, the server keeps the connection open: the StatsApi cannot tell NATS is gone, and the message only
        // reaches its client's buffer. Before the confirmation, that was a 202.
        await cluster.Nats.PauseAsync();
        try
        {
            using var unconfirmed = await PostAsync(api, Path, TestApiKeys.Publish, Body);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unconfirmed.StatusCode);
            Assert.NotNull(unconfirmed.Headers.RetryAfter);
            Assert.Contains("did not confirm", (await unconfirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }
        finally
        {
            await cluster.Nats.ResumeAsync();
        }

        cluster.Nats.Kill();
        using var down = await Eventually.MatchAsync(
            () => PostAsync(api, Path, TestApiKeys.Publish, Body),
            r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.Contains("not connected", (await down.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/api/topics/room%3Ax/messages", """{"payload":{}}""", HttpStatusCode.BadRequest, "event")]
    [InlineData("/api/topics/room%3Ax/messages", """{"event":"phx_reply","payload":{}}""", HttpStatusCode.BadRequest, "event")]
    [InlineData("/api/topics/room%3Ax/messages", """{"event":"e","payload":[1]}""", HttpStatusCode.BadRequest, "payload")]
    [InlineData("/api/topics/room%3Ax/messages", """{"event":"e"}""", HttpStatusCode.BadRequest, "payload")]
    [InlineData("/api/topics/room%3Ax/messages", """{"event":"e","payload":{"text":"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"}}""", HttpStatusCode.BadRequest, "payload")]
    [InlineData("/api/topics/lobby/messages", """{"event":"e","payload":{}}""", HttpStatusCode.NotFound, null)]
    [InlineData("/api/topics/room%3Ax/messages", "not json", HttpStatusCode.BadRequest, "body")]
    [InlineData("/api/topics/room%3Ax/messages", "[]", HttpStatusCode.BadRequest, "body")]
    [InlineData("/api/topics/room%3Ax/messages", "null", HttpStatusCode.BadRequest, "body")]
    public async Task A_bad_message_is_a_problem_and_reaches_no_one(string path, string body, HttpStatusCode status, string? parameter)
    {
        await using var cluster = await TestCluster.StartAsync(Settings);
        var node = PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync("node-a"));
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = TestApiKeys.Read, ["ConnCount__Api__PublishKey"] = TestApiKeys.Publish });
        await using var member = await PhoenixTestClient.ConnectAsync(node);
        Assert.True((await member.JoinAsync("room:x")).IsOk);

        using var response = await PostAsync(api, path, TestApiKeys.Publish, body);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (parameter is not null)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.GetRawText());
        }

        await Task.Delay(300);
        Assert.DoesNotContain(member.Pushes, p => p[2].GetString() == "room:x");
    }
}
