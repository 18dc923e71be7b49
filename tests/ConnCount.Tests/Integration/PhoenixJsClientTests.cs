using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>The official npm <c>phoenix</c> client against real nodes, including the README's example as written.</summary>
public partial class PhoenixJsClientTests
{
    private const string ReadmeUrl = "ws://localhost:4000/socket";

    [Fact]
    public async Task Official_phoenix_client_joins_pushes_heartbeats_and_leaves()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-js");

        var output = await NodeJs.RunAsync(
            "phoenix-client.mjs",
            [PhoenixTestClient.WebSocketUri(node) + "socket", "room:js"],
            o => o.Contains("LEFT") || o.Contains("FAIL"),
            TimeSpan.FromSeconds(30));

        Assert.Contains("JOINED node=node-js total=1 topic=1", output);
        Assert.Contains("INFO node=node-js max_channels=100", output);
        Assert.Contains("HEARTBEATS ok connected=true", output);
        Assert.Contains("LEFT", output);
        Assert.DoesNotContain("FAIL", output);
    }

    [Fact]
    public async Task Readme_javascript_example_prints_node_and_cluster_totals()
    {
        await using var cluster = await TestCluster.StartAsync();
        var first = await cluster.StartNodeAsync("node-1");
        var second = await cluster.StartNodeAsync("node-2");
        await cluster.StartApiAsync();
        await using var elsewhere = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(second));
        await elsewhere.JoinAsync("room:lobby");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 2);

        var output = await RunReadmeBlockAsync("get_cluster_connection_stats", "readme-example.generated.mjs", first);

        Assert.Contains("Total: 1", output);
        Assert.Contains("By topic: { 'room:lobby': 1 }", output);
        Assert.Contains("Cluster total: 2", output);
        Assert.Contains("Nodes: 2", output);
    }

    [Fact]
    public async Task Official_phoenix_client_messages_cross_nodes_and_skip_the_sender()
    {
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Messages__Topics__0__Pattern"] = "room:*" });
        var urls = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            urls.Add(PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync($"node-{i}")) + "socket");
        }

        var output = await NodeJs.RunAsync(
            "phoenix-messages.mjs",
            ["room:js-chat", .. urls, urls[2]],
            o => o.Contains("DONE") || o.Contains("FAIL"),
            TimeSpan.FromSeconds(30));

        Assert.Contains("JOINED 4", output);
        Assert.Contains("SENT", output);
        for (var i = 1; i < 4; i++)
        {
            Assert.Contains($"RECEIVED {i} socket 0: hello, 🙂", output);
        }

        Assert.DoesNotContain("RECEIVED 0", output);
        Assert.DoesNotContain("FAIL", output);
    }

    [Fact]
    public async Task Readme_chat_example_carries_alice_to_bob()
    {
        await using var cluster = await TestCluster.StartAsync(new() { ["ConnCount__Messages__Topics__0__Pattern"] = "room:*" });
        var node = await cluster.StartNodeAsync("node-1");

        var output = await RunReadmeBlockAsync("bob heard", "readme-chat.generated.mjs", node);

        Assert.Contains("alice sent it", output);
        Assert.Contains("bob heard alice: hello", output);
    }

    [Fact]
    public async Task Official_phoenix_presence_lists_every_user_on_three_nodes_and_drops_a_killed_nodes_users()
    {
        await using var cluster = await TestCluster.StartAsync(new()
        {
            ["ConnCount__Messages__Topics__0__Pattern"] = "room:*",
            ["ConnCount__Messages__Topics__0__Presence"] = "true",
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        });
        var urls = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            urls.Add(PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync($"node-{i}")) + "socket");
        }

        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 3);
        string As(string user) => "#" + JoinTokens.Issue(["room:js-presence"], user: user);

        // alice on node-0 and node-1, bob on node-2, a guest without a token on node-0.
        await using var script = await NodeJs.StartAsync(
            "phoenix-presence.mjs",
            ["room:js-presence", urls[0] + As("alice"), urls[1] + As("alice"), urls[2] + As("bob"), urls[0]]);

        var everyone = await script.WaitForOutputAsync(
            o => Enumerable.Range(0, 4).All(i => LastSync(o, i) == "alice=2,anonymous=1,bob=1") || o.Contains("FAIL"),
            TimeSpan.FromSeconds(30));
        Assert.True(everyone, script.Output);
        Assert.DoesNotContain("FAIL", script.Output);

        cluster.Nodes["node-2"].Process.Kill();

        // Node expiry is 2 s in the tests; the wait is a bound, not a measurement.
        var gone = await script.WaitForOutputAsync(
            o => new[] { 0, 1, 3 }.All(i => LastSync(o, i) == "alice=2,anonymous=1"),
            TimeSpan.FromSeconds(10));
        Assert.True(gone, script.Output);
    }

    [Fact]
    public async Task Official_phoenix_client_receives_a_server_publish_and_an_admin_disconnect_only_with_the_right_key()
    {
        const string ReadKey = TestApiKeys.Read;
        const string AdminKey = TestApiKeys.Admin;
        await using var cluster = await TestCluster.StartAsync(new()
        {
            ["ConnCount__Messages__Topics__0__Pattern"] = "room:*",
            ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        });
        var urls = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            urls.Add(PhoenixTestClient.WebSocketUri(await cluster.StartNodeAsync($"node-{i}")) + "socket");
        }

        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = ReadKey, ["ConnCount__Api__AdminKey"] = AdminKey });
        async Task<JsonElement> StatsAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/stats");
            request.Headers.Add("X-Api-Key", ReadKey);
            using var response = await api.SendAsync(request);
            response.EnsureSuccessStatusCode();
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        await Eventually.MatchAsync(StatsAsync, s => s.GetProperty("cluster_size").GetInt32() == 3);
        var alice = "#" + JoinTokens.Issue(["room:js-admin"], user: "alice");
        var bob = "#" + JoinTokens.Issue(["room:js-admin"], user: "bob");

        // alice on node-0 and node-2, bob on node-1.
        await using var script = await NodeJs.StartAsync("phoenix-admin.mjs", ["room:js-admin", urls[0] + alice, urls[1] + bob, urls[2] + alice]);
        Assert.True(await script.WaitForOutputAsync(o => Enumerable.Range(0, 3).All(i => o.Contains($"JOINED {i}")) || o.Contains("FAIL"), TimeSpan.FromSeconds(30)), script.Output);
        Assert.DoesNotContain("FAIL", script.Output);

        async Task<HttpStatusCode> PostAsync(string path, string? key, string body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            if (key is not null)
            {
                request.Headers.Add("X-Api-Key", key);
            }

            using var response = await api.SendAsync(request);
            return response.StatusCode;
        }

        const string Publish = "/api/topics/room%3Ajs-admin/messages";
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(Publish, null, """{"event":"notice","payload":{"text":"no key"}}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(Publish, ReadKey, """{"event":"notice","payload":{"text":"read key"}}"""));
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(Publish, AdminKey, """{"event":"notice","payload":{"text":"from the server"}}"""));
        Assert.True(await script.WaitForOutputAsync(o => Enumerable.Range(0, 3).All(i => o.Contains($"NOTICE {i} from the server")), TimeSpan.FromSeconds(15)), script.Output);
        Assert.DoesNotContain("key", string.Join('\n', script.Output.Split('\n').Where(l => l.StartsWith("NOTICE", StringComparison.Ordinal))));

        const string Disconnect = "/api/admin/disconnect";
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(Disconnect, null, """{"user":"alice"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(Disconnect, ReadKey, """{"user":"alice"}"""));
        await Task.Delay(300);
        Assert.DoesNotContain("CLOSED", script.Output);

        Assert.Equal(HttpStatusCode.OK, await PostAsync(Disconnect, AdminKey, """{"user":"alice"}"""));
        Assert.True(await script.WaitForOutputAsync(o => o.Contains("CLOSED 0 4001 disconnected by admin") && o.Contains("CLOSED 2 4001 disconnected by admin"), TimeSpan.FromSeconds(15)), script.Output);
        Assert.DoesNotContain("CLOSED 1", script.Output);
        var stats = await Eventually.MatchAsync(StatsAsync, s => s.GetProperty("total_connections").GetInt64() == 1);
        Assert.Equal(1, stats.GetProperty("topics").GetProperty("room:js-admin").GetProperty("total").GetInt64());
    }

    /// <summary>The list socket <paramref name="socket"/> of phoenix-presence.mjs printed last.</summary>
    private static string? LastSync(string output, int socket) =>
        output.Split('\n').Select(l => l.TrimEnd('\r')).LastOrDefault(l => l.StartsWith($"SYNC {socket} ", StringComparison.Ordinal))?[$"SYNC {socket} ".Length..];

    [Fact]
    public async Task Readme_presence_example_lists_both_sockets()
    {
        await using var cluster = await TestCluster.StartAsync(new()
        {
            ["ConnCount__Messages__Topics__0__Pattern"] = "room:*",
            ["ConnCount__Messages__Topics__0__Presence"] = "true",
        });
        var node = await cluster.StartNodeAsync("node-1");

        var output = await RunReadmeBlockAsync("new Presence", "readme-presence.generated.mjs", node);

        Assert.Contains("alice sees 2 present", output);
        Assert.Contains("bob sees 2 present", output);
    }

    /// <summary>
    /// Runs the README's JavaScript block that contains <paramref name="text"/>, as written but pointed at
    /// <paramref name="node"/>; the block ends by itself once it has printed. Returns what it printed.
    /// </summary>
    private static async Task<string> RunReadmeBlockAsync(string text, string scriptName, Uri node)
    {
        var example = ReadmeBlock(text);
        Assert.Contains(ReadmeUrl, example);
        var script = Path.Combine(NodeJs.Folder, scriptName);
        await File.WriteAllTextAsync(script, example.Replace(ReadmeUrl, PhoenixTestClient.WebSocketUri(node) + "socket", StringComparison.Ordinal));

        var (output, exitCode) = await NodeJs.RunToExitAsync(script, TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none: still running"}:\n{output}");
        return output;
    }

    /// <summary>The README's one JavaScript block that contains <paramref name="text"/>.</summary>
    private static string ReadmeBlock(string text)
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        return JavaScriptBlock().Matches(readme)
            .Select(m => m.Groups["code"].Value)
            .Single(code => code.Contains(text, StringComparison.Ordinal));
    }

    [GeneratedRegex("```javascript\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex JavaScriptBlock();
}
