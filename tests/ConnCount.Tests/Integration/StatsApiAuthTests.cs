using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Tests.Infrastructure;

namespace ConnCount.Tests.Integration;

/// <summary>The stats endpoints need an API key; health stays open; a keyless deployment does not start.</summary>
public class StatsApiAuthTests
{
    private const string Key = "test-key-0123456789abcdef";

    private static readonly string[] StatsPaths = ["/api/stats", "/api/stats/nodes", "/api/stats/topics/room:lobby", "/api/stats/history"];

    [Fact]
    public async Task Stats_endpoints_answer_401_problem_with_a_challenge_without_a_key_or_with_a_wrong_one()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });

        foreach (var path in StatsPaths)
        {
            using var anonymous = await api.GetAsync(path);
            await AssertUnauthorizedAsync(anonymous, expectInvalidToken: false);

            using var wrongHeader = await SendAsync(api, path, r => r.Headers.Add("X-Api-Key", Key + "x"));
            await AssertUnauthorizedAsync(wrongHeader, expectInvalidToken: true);

            using var wrongBearer = await SendAsync(api, path, r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key[..^1]));
            await AssertUnauthorizedAsync(wrongBearer, expectInvalidToken: true);

            using var otherScheme = await SendAsync(api, path, r => r.Headers.Authorization = new AuthenticationHeaderValue("Basic", Key));
            await AssertUnauthorizedAsync(otherScheme, expectInvalidToken: false);
        }
    }

    [Fact]
    public async Task Stats_endpoints_answer_with_the_key_in_the_header_or_as_a_bearer_token()
    {
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartNodeAsync("node-a");
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });

        using var withHeader = await SendAsync(api, "/api/stats", r => r.Headers.Add("X-Api-Key", Key));
        Assert.Equal(HttpStatusCode.OK, withHeader.StatusCode);
        var stats = await withHeader.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(stats.TryGetProperty("total_connections", out _));

        using var withBearer = await SendAsync(api, "/api/stats/nodes", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key));
        Assert.Equal(HttpStatusCode.OK, withBearer.StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_stay_open_when_a_key_is_required()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });

        using var health = await api.GetAsync("/health");
        using var alive = await api.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }

    [Fact]
    public async Task Every_key_in_the_keys_list_is_accepted_so_a_key_can_be_rotated()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new()
        {
            ["ConnCount__Api__Keys__0"] = "old-key-0123456789",
            ["ConnCount__Api__Keys__1"] = "new-key-0123456789",
        });

        foreach (var key in new[] { "old-key-0123456789", "new-key-0123456789" })
        {
            using var response = await SendAsync(api, "/api/stats", r => r.Headers.Add("X-Api-Key", key));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var retired = await SendAsync(api, "/api/stats", r => r.Headers.Add("X-Api-Key", "older-key-0123456789"));
        Assert.Equal(HttpStatusCode.Unauthorized, retired.StatusCode);
    }

    [Fact]
    public async Task Outside_development_the_api_refuses_to_start_without_a_key()
    {
        await using var cluster = await TestCluster.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => cluster.StartApiAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Production" }));

        Assert.Contains("exited during start", error.Message, StringComparison.Ordinal);
        // The exit can be seen before the last lines of output are read.
        await Eventually.MatchAsync(
            () => Task.FromResult(cluster.ApiProcess!.Output),
            output => output.Contains("No API key is configured", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "the process says why it stopped");
    }

    [Fact]
    public async Task The_api_refuses_to_start_with_a_key_too_long_to_be_matched()
    {
        await using var cluster = await TestCluster.StartAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(
            () => cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key, ["ConnCount__Api__AdminKey"] = new string('k', 513) }));

        await Eventually.MatchAsync(
            () => Task.FromResult(cluster.ApiProcess!.Output),
            output => output.Contains("longer than 512 bytes", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "the process says why it stopped");
    }

    [Fact]
    public async Task In_development_without_a_key_the_api_is_open_and_says_so()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync();

        using var response = await api.GetAsync("/api/stats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.MatchAsync(
            () => Task.FromResult(cluster.ApiProcess!.Output),
            output => output.Contains("No API key configured", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "the start-up log warns that the stats are open");
    }

    [Fact]
    public async Task Outside_development_the_api_starts_with_a_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new() { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["ConnCount__Api__Key"] = Key });

        using var response = await SendAsync(api, "/api/stats", r => r.Headers.Add("X-Api-Key", Key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_is_open_and_declares_both_ways_to_send_the_key()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });

        using var response = await api.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-Api-Key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("header", schemes.GetProperty("ApiKey").GetProperty("in").GetString());
        Assert.Equal("bearer", schemes.GetProperty("Bearer").GetProperty("scheme").GetString());
        Assert.Equal(2, document.GetProperty("security").GetArrayLength());
        var listing = document.GetProperty("paths").GetProperty("/api/stats/topics").GetProperty("get").GetProperty("parameters");
        Assert.Equal(["prefix", "sort", "top", "offset", "limit"], listing.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/stats/scale", out _));
    }

    [Fact]
    public async Task The_openapi_document_declares_every_status_and_an_interactive_reference_serves_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });

        var document = await api.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        foreach (var path in document.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/stats", StringComparison.Ordinal)))
        {
            var responses = path.Value.GetProperty("get").GetProperty("responses");
            foreach (var status in new[] { "200", "400", "401", "503" })
            {
                Assert.True(responses.TryGetProperty(status, out var declared), $"{path.Name} declares no {status}");
                if (status != "200")
                {
                    Assert.True(declared.GetProperty("content").TryGetProperty("application/problem+json", out _), $"{path.Name} {status} is not problem details");
                }
            }
        }

        foreach (var topicPath in new[] { "/api/stats/topic", "/api/stats/topics/{topic}" })
        {
            Assert.True(document.GetProperty("paths").GetProperty(topicPath).GetProperty("get").GetProperty("responses").TryGetProperty("404", out _), topicPath);
        }

        // The reference page is open, like the document it reads.
        using var reference = await api.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Contains("openapi/v1.json", await reference.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient api, string path, Action<HttpRequestMessage> authorize)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        authorize(request);
        return api.SendAsync(request);
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response, bool expectInvalidToken)
    {
        var path = response.RequestMessage!.RequestUri!.AbsolutePath;
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal(expectInvalidToken, challenge.Parameter!.Contains("invalid_token", StringComparison.Ordinal));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Contains("X-Api-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
