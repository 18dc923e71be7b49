using System.Text.Json;

namespace ConnCount.AppHost.Tests;

/// <summary>What the deployment manifest tells <c>azd</c>: NATS and its store, the two services, their secrets.</summary>
public sealed class ManifestTests(ManifestFixture manifest) : IClassFixture<ManifestFixture>
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private JsonElement Resources => manifest.Resources;

    [Fact]
    public void Nats_is_a_container_of_the_pinned_nats_image_with_a_client_endpoint()
    {
        var nats = Resources.GetProperty("nats");

        Assert.Equal("container.v0", nats.GetProperty("type").GetString());
        Assert.Equal("docker.io/library/nats:2.12", nats.GetProperty("image").GetString());
        Assert.Equal(4222, nats.GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());
        Assert.Equal(
            "nats://nats:{nats-password-uri-encoded.value}@{nats.bindings.tcp.host}:{nats.bindings.tcp.port}",
            nats.GetProperty("connectionString").GetString());
    }

    [Fact]
    public void Nats_runs_jetstream_with_its_store_on_a_named_volume()
    {
        var nats = Resources.GetProperty("nats");

        var args = nats.GetProperty("args").EnumerateArray().Select(a => a.GetString()).ToList();
        Assert.Contains("-js", args);
        Assert.Equal("/data", args[args.IndexOf("-sd") + 1]);

        var volume = Assert.Single(nats.GetProperty("volumes").EnumerateArray());
        Assert.Equal("conncount-nats-data", volume.GetProperty("name").GetString());
        Assert.Equal("/data", volume.GetProperty("target").GetString());
        Assert.False(volume.GetProperty("readOnly").GetBoolean());
    }

    [Theory]
    [InlineData("socketnode")]
    [InlineData("statsapi")]
    public void Services_are_projects_that_get_the_nats_connection_string(string name)
    {
        var service = Resources.GetProperty(name);

        Assert.Equal("project.v0", service.GetProperty("type").GetString());
        Assert.Equal("{nats.connectionString}", Env(service, "ConnectionStrings__nats"));
    }

    [Fact]
    public void Socket_nodes_are_reachable_from_outside_and_the_stats_api_only_inside()
    {
        Assert.True(External(Resources.GetProperty("socketnode")));
        Assert.False(External(Resources.GetProperty("statsapi")));
    }

    [Theory]
    [InlineData("socketnode", "ConnCount__Auth__SigningKey", "join-signing-key")]
    [InlineData("socketnode", "ConnCount__Node__AdminKey", "node-admin-key")]
    [InlineData("statsapi", "ConnCount__Api__Key", "statsapi-key")]
    [InlineData("statsapi", "ConnCount__Api__AdminKey", "statsapi-admin-key")]
    public void Secrets_reach_the_services_as_references_to_parameters(string service, string variable, string parameter)
    {
        Assert.Equal($"{{{parameter}.value}}", Env(Resources.GetProperty(service), variable));
    }

    [Fact]
    public void Every_secret_is_a_secret_parameter_and_no_secret_value_appears_in_the_manifest()
    {
        foreach (var name in ManifestFixture.SecretParameters)
        {
            var parameter = Resources.GetProperty(name);
            Assert.Equal("parameter.v0", parameter.GetProperty("type").GetString());
            Assert.True(parameter.GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), $"{name} is not secret.");
        }

        Assert.All(manifest.Secrets, secret => Assert.DoesNotContain(secret.Value, manifest.Text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_stats_api_runs_socket_completions_inline_and_the_nodes_do_not()
    {
        // The StatsApi's own appsettings.json runs requests on the thread that read them; this variable, which only the
        // environment can set, moves the read itself onto the socket event thread. The nodes keep the defaults.
        Assert.Equal("1", Env(Resources.GetProperty("statsapi"), InlineCompletionsVariable));
        Assert.Null(Env(Resources.GetProperty("socketnode"), InlineCompletionsVariable));
    }

    [Fact]
    public void The_manifest_has_no_replica_count_so_the_deployment_must_set_it()
    {
        // WithReplicas(3) shapes local runs only: the manifest format has no field for it.
        Assert.DoesNotContain("replica", manifest.Text, StringComparison.OrdinalIgnoreCase);
    }

    private static bool External(JsonElement resource) =>
        resource.GetProperty("bindings").GetProperty("http").TryGetProperty("external", out var external) && external.GetBoolean();

    private static string? Env(JsonElement resource, string name) =>
        resource.GetProperty("env").TryGetProperty(name, out var value) ? value.GetString() : null;
}
