using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>
/// <c>/metrics</c> is open: a protected topic's name never appears in a label; its joins and leaves are tagged
/// <c>topic="protected"</c>, unless <c>ConnCount:Auth:ProtectedTopicsInTelemetry</c> says otherwise.
/// </summary>
public class MetricLabelTests
{
    private static Dictionary<string, string> Protection(bool namesInTelemetry = false) => new()
    {
        ["ConnCount__Auth__ProtectedTopics__0"] = "private:*",
        ["ConnCount__Auth__SigningKey"] = JoinTokens.SigningKey,
        ["ConnCount__Auth__ProtectedTopicsInTelemetry"] = namesInTelemetry ? "true" : "false",
    };

    [Fact]
    public async Task Metrics_fold_protected_topics_into_one_label_value()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", Protection());
        await using var client = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        Assert.Equal("ok", (await client.JoinAsync("private:bigsecret", new { token = JoinTokens.Issue(["private:*"]) })).Status);
        Assert.Equal("ok", (await client.JoinAsync("room:open")).Status);
        await client.LeaveAsync("private:bigsecret");

        var metrics = await ScrapeUntilAsync(node, m => m.Contains("conncount_leaves_total{", StringComparison.Ordinal));

        Assert.DoesNotContain("bigsecret", metrics, StringComparison.Ordinal);
        Assert.Matches("conncount_joins_total\\{[^}]*topic=\"protected\"", metrics);
        Assert.Matches("conncount_leaves_total\\{[^}]*topic=\"protected\"", metrics);
        // Open topics keep their names.
        Assert.Contains("topic=\"room:open\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_setting_lets_protected_names_into_the_labels()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", Protection(namesInTelemetry: true));
        await using var client = await PhoenixTestClient.ConnectAsync(PhoenixTestClient.WebSocketUri(node));
        await client.JoinAsync("private:bigsecret", new { token = JoinTokens.Issue(["private:*"]) });

        var metrics = await ScrapeUntilAsync(node, m => m.Contains("conncount_joins_total{", StringComparison.Ordinal));

        Assert.Contains("topic=\"private:bigsecret\"", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("topic=\"protected\"", metrics, StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeUntilAsync(Uri node, Func<string, bool> condition)
    {
        using var http = new HttpClient { BaseAddress = node, Timeout = TimeSpan.FromSeconds(10) };
        return await Eventually.MatchAsync(() => http.GetStringAsync("/metrics"), condition, because: "the node's counters reach /metrics");
    }
}
