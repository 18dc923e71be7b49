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
