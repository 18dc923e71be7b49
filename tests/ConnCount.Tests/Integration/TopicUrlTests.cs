using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// Every topic a node accepts can be asked for by URL (<c>GET /api/stats/topic?name=</c>, the name
/// percent-encoded as UTF-8), and no topic name changes which endpoint answers.
/// </summary>
public class TopicUrlTests
{
    // Each joined once, on one socket; one of them twice, so a count of 2 is told apart from a count of 1.
    private static readonly string[] Awkward =
    [
        "a/b", "..", ".", "x\0y", "q?#% +é✓😀", "a%2Fb", "../../../health", "/lead", "trail/",
    ];

    [Fact]
    public async Task Every_topic_is_reachable_by_its_encoded_name_with_the_right_count()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        var api = await cluster.StartApiAsync();
        await using var one = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        await using var two = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        foreach (var topic in Awkward)
        {
            Assert.Equal("ok", (await one.JoinAsync(topic)).Status);
        }

        await two.JoinAsync("..");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_connections").GetInt64() == Awkward.Length + 1);

        foreach (var topic in Awkward)
        {
            using var response = await api.GetAsync("/api/stats/topic?name=" + Uri.EscapeDataString(topic));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{Show(topic)}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            var view = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(topic, view.GetProperty("topic").GetString());
            Assert.Equal(topic == ".." ? 2 : 1, view.GetProperty("total").GetInt64());
        }
    }

    [Fact]
    public async Task The_path_form_decodes_an_encoded_slash_and_never_answers_another_endpoint()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        var api = await cluster.StartApiAsync();
        await using var client = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        foreach (var topic in new[] { "a/b", "a%2Fb", "..", ".", "../../../health", "q?#% é" })
        {
            await client.JoinAsync(topic);
        }

        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_connections").GetInt64() == 6);

        // An ordinary name, a slash sent as %2F and as itself, and a literal "%2F" (sent as %252F): each its own topic.
        Assert.Equal("a/b", await TopicAtAsync(api, "/api/stats/topics/a%2Fb"));
        Assert.Equal("a/b", await TopicAtAsync(api, "/api/stats/topics/a/b"));
        Assert.Equal("a%2Fb", await TopicAtAsync(api, "/api/stats/topics/a%252Fb"));
        Assert.Equal("q?#% é", await TopicAtAsync(api, "/api/stats/topics/" + Uri.EscapeDataString("q?#% é")));

        // Dot segments, plain or encoded, would be removed by the server and land on /api/stats, the topic list
        // or /health: they are refused instead, whatever they would have reached.
        foreach (var path in new[] { "..", "%2E%2E", "%2e%2E", ".", "%2E", "../../../health", "%2E%2E/%2E%2E/%2E%2E/health", "a/../.." })
        {
            using var response = await SendRawPathAsync(api, "/api/stats/topics/" + path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("total_connections", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Healthy", body, StringComparison.Ordinal);
            Assert.Contains("/api/stats/topic?name=", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Prefixes_take_every_topic_and_bad_names_get_a_clear_problem()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        var api = await cluster.StartApiAsync();
        await using var client = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        foreach (var topic in new[] { "x\0y", "x\0z", "../up", "q?#% é", "q?other" })
        {
            await client.JoinAsync(topic);
        }

        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_connections").GetInt64() == 5);

        Assert.Equal(["x\0y", "x\0z"], await ListedAsync(api, "x\0"));
        Assert.Equal(["../up"], await ListedAsync(api, ".."));
        Assert.Equal(["q?#% é"], await ListedAsync(api, "q?#"));
        var usage = await cluster.GetStatsAsync("/api/stats/usage?prefix=" + Uri.EscapeDataString("x\0"));
        Assert.Equal(["x\0y", "x\0z"], usage.GetProperty("topics").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());

        foreach (var query in new[] { "/api/stats/topic", "/api/stats/topic?name=", "/api/stats/topic?name=" + new string('a', 257), "/api/stats/topic?name=a&name=b", "/api/stats/topics?prefix=a&prefix=b" })
        {
            using var response = await api.GetAsync(query);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{query}: {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        using var unknown = await api.GetAsync("/api/stats/topic?name=" + Uri.EscapeDataString("no such/topic"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task The_query_form_is_in_the_OpenAPI_document()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync();

        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var get = document.GetProperty("paths").GetProperty("/api/stats/topic").GetProperty("get");
        var name = get.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "name");
        Assert.Equal("query", name.GetProperty("in").GetString());
        Assert.Contains("percent-encoded", name.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string?> TopicAtAsync(HttpClient api, string path)
    {
        using var response = await SendRawPathAsync(api, path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("topic").GetString();
    }

    private static async Task<string[]> ListedAsync(HttpClient api, string prefix)
    {
        var list = await api.GetFromJsonAsync<JsonElement>("/api/stats/topics?sort=name&prefix=" + Uri.EscapeDataString(prefix));
        return list.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("topic").GetString()!).ToArray();
    }

    /// <summary>
    /// Sends the path byte for byte over a socket: HttpClient, like a browser, would remove dot segments and
    /// re-encode before sending, and the point is what the server does with a target it did not expect.
    /// </summary>
    private static async Task<HttpResponseMessage> SendRawPathAsync(HttpClient api, string path)
    {
        var address = api.BaseAddress!;
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        // HTTP/1.0: the body is not chunked and ends when the server closes the connection.
        var request = $"GET {path} HTTP/1.0\r\nHost: {address.Authority}\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request));
        using var raw = new MemoryStream();
        await stream.CopyToAsync(raw).WaitAsync(TimeSpan.FromSeconds(15));
        return ParseResponse(raw.ToArray());
    }

    private static HttpResponseMessage ParseResponse(byte[] raw)
    {
        var split = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        var head = System.Text.Encoding.ASCII.GetString(raw, 0, split).Split("\r\n");
        var headers = head.Skip(1).Select(h => h.Split(':', 2)).ToDictionary(h => h[0].Trim(), h => h[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var response = new HttpResponseMessage((HttpStatusCode)int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))
        {
            Content = new ByteArrayContent(raw[(split + 4)..]),
        };
        response.Content.Headers.ContentType = headers.TryGetValue("Content-Type", out var type)
            ? System.Net.Http.Headers.MediaTypeHeaderValue.Parse(type)
            : null;
        return response;
    }

    private static string Show(string topic) => JsonSerializer.Serialize(topic);
}
