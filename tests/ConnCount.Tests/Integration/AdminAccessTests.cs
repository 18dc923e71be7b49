using System.Net;
using System.Text;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>Who may drain a node: the admin key in its own header, never an address, never a cross-origin page.</summary>
public class AdminAccessTests
{
    private const string AdminKey = "admin-secret-of-some-length";

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    [Fact]
    public async Task Without_a_configured_key_drain_is_refused_even_from_loopback_and_says_which_setting_enables_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a");
        await using var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        using var admin = new HttpClient { BaseAddress = node };

        using var drain = await admin.PostAsync("/admin/drain", null);
        using var resume = await admin.DeleteAsync("/admin/drain");

        Assert.Equal(HttpStatusCode.Forbidden, drain.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, resume.StatusCode);
        using var problem = JsonDocument.Parse(await drain.Content.ReadAsStringAsync());
        Assert.Contains("ConnCount:Node:AdminKey", problem.RootElement.GetProperty("detail").GetString());
        Assert.Equal("ok", (await client.HeartbeatAsync()).Status);
    }

    [Fact]
    public async Task A_cross_origin_text_plain_post_cannot_drain_and_the_key_in_X_Admin_Key_can()
    {
        await using var cluster = await TestCluster.StartAsync();
        var node = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__AdminKey"] = AdminKey });
        var client = await PhoenixTestClient.ConnectAsync(Ws(node));
        using var admin = new HttpClient { BaseAddress = node };

        // What a web page can send without a preflight: a simple POST, text/plain, no custom header. Even with the
        // key in its body.
        using var simple = new HttpRequestMessage(HttpMethod.Post, "/admin/drain")
        {
            Content = new StringContent(AdminKey, Encoding.UTF8, "text/plain"),
        };
        simple.Headers.Add("Origin", "https://evil.example.com");
        using var fromPage = await admin.SendAsync(simple);
        Assert.Equal(HttpStatusCode.Forbidden, fromPage.StatusCode);

        using var wrongKey = new HttpRequestMessage(HttpMethod.Post, "/admin/drain");
        wrongKey.Headers.Add("X-Admin-Key", AdminKey + "x");
        using var wrong = await admin.SendAsync(wrongKey);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal("ok", (await client.HeartbeatAsync()).Status);

        using var withKey = new HttpRequestMessage(HttpMethod.Post, "/admin/drain");
        withKey.Headers.Add("X-Admin-Key", AdminKey);
        using var drained = await admin.SendAsync(withKey);
        drained.EnsureSuccessStatusCode();
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, await client.Closed.WaitAsync(TimeSpan.FromSeconds(10)));
        await client.DisposeAsync();
    }
}
