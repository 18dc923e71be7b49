using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The AppHost's model as built, without starting anything: how NATS is run in each mode and when
/// publishing, and which ports the services get.
/// </summary>
public sealed class AppModelTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Nats_runs_as_the_nats_server_executable_when_the_mode_is_executable()
    {
        await using var builder = await CreateAsync("--ConnCount:Nats:Mode=executable");

        var nats = Assert.IsType<NatsServerExecutableResource>(Nats(builder));
        Assert.Equal("nats-server", Path.GetFileName(nats.Command));
    }

    [Fact]
    public async Task Nats_runs_from_a_pinned_nats_image_when_the_mode_is_container()
    {
        await using var builder = await CreateAsync("--ConnCount:Nats:Mode=container");

        var nats = Assert.IsType<NatsServerContainerResource>(Nats(builder));
        Assert.True(nats.TryGetContainerImageName(out var image));
        Assert.Equal("docker.io/library/nats:2.12", image);
    }

    [Fact]
    public async Task Nats_runs_jetstream_with_its_store_under_the_apphost_directory_by_default()
    {
        await using var builder = await CreateAsync("--ConnCount:Nats:Mode=executable");

        var args = await ArgsAsync(Nats(builder));
        Assert.Contains("-js", args);
        Assert.Equal(Path.Combine(builder.AppHostDirectory, ".data", "nats", "nats"), args[args.IndexOf("-sd") + 1]);
    }

    [Fact]
    public async Task A_relative_data_path_is_taken_from_the_apphost_directory_and_each_cluster_server_stores_in_its_own_folder()
    {
        await using var builder = await CreateAsync("--ConnCount:Nats:Servers=3", "--ConnCount:Nats:Mode=executable", "--ConnCount:Nats:DataPath=store/here");

        foreach (var server in builder.Resources.OfType<INatsServerResource>())
        {
            var args = await ArgsAsync(server);
            Assert.Contains("-js", args);
            Assert.Equal(Path.Combine(builder.AppHostDirectory, "store", "here", server.Name), args[args.IndexOf("-sd") + 1]);
        }
    }

    [Fact]
    public async Task The_nats_container_stores_jetstream_on_a_named_volume()
    {
        await using var builder = await CreateAsync("--ConnCount:Nats:Mode=container");

        var nats = Nats(builder);
        var args = await ArgsAsync(nats);
        Assert.Contains("-js", args);
        Assert.Equal("/data", args[args.IndexOf("-sd") + 1]);
        var volume = Assert.Single(nats.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal((ContainerMountType.Volume, "conncount-nats-data", "/data"), (volume.Type, volume.Source, volume.Target));
    }

    [Fact]
    public async Task Publishing_describes_nats_as_a_container_whatever_the_mode()
    {
        await using var builder = await CreateAsync("--AppHost:Operation=publish", "--ConnCount:Nats:Mode=executable");

        Assert.IsType<NatsServerContainerResource>(Nats(builder));
    }

    [Fact]
    public async Task Nats_connection_string_carries_the_user_and_the_generated_password()
    {
        await using var builder = await CreateAsync();

        var nats = Nats(builder);
        Assert.Equal(
            "nats://nats:{nats-password.value}@{nats.bindings.tcp.host}:{nats.bindings.tcp.port}",
            nats.ConnectionStringExpression.ValueExpression);
        Assert.True(nats.PasswordParameter.Secret);
    }

    [Fact]
    public async Task Services_get_their_documented_local_ports_unless_random_ports_are_asked_for()
    {
        await using (var fixedPorts = await CreateAsync())
        {
            Assert.Equal(4000, HttpPort(fixedPorts, "socketnode"));
            Assert.Equal(4080, HttpPort(fixedPorts, "statsapi"));
        }

        await using var randomPorts = await CreateAsync("--ConnCount:RandomPorts=true");
        Assert.Null(HttpPort(randomPorts, "socketnode"));
        Assert.Null(HttpPort(randomPorts, "statsapi"));
    }

    [Fact]
    public async Task Socket_nodes_run_as_three_replicas_that_wait_for_nats()
    {
        await using var builder = await CreateAsync();

        var socketNode = builder.Resources.Single(r => r.Name == "socketnode");
        Assert.Equal(3, Assert.Single(socketNode.Annotations.OfType<ReplicaAnnotation>()).Replicas);
        Assert.Contains(socketNode.Annotations.OfType<WaitAnnotation>(), wait => wait.Resource.Name == "nats");
    }

    [Fact]
    public async Task Socket_nodes_offer_drain_and_resume_commands_and_get_a_secret_admin_key()
    {
        await using var builder = await CreateAsync();

        var socketNode = builder.Resources.Single(r => r.Name == "socketnode");
        var commands = socketNode.Annotations.OfType<ResourceCommandAnnotation>().ToDictionary(c => c.Name, c => c.DisplayName);
        Assert.Equal("Drain", commands[NodeDrainCommandExtensions.DrainCommandName]);
        Assert.Equal("Resume", commands[NodeDrainCommandExtensions.ResumeCommandName]);

        var adminKey = Assert.IsType<ParameterResource>(builder.Resources.Single(r => r.Name == "node-admin-key"));
        Assert.True(adminKey.Secret);
    }

    [Fact]
    public async Task Socket_nodes_trust_loopback_as_their_proxy_when_run_and_not_when_published()
    {
        const string prefix = LocalProxyExtensions.TrustedProxyVariablePrefix;
        await using (var run = await CreateAsync())
        {
            var environment = await EnvironmentAsync(run, "socketnode");
            Assert.Equal("127.0.0.1", environment[prefix + "0"]);
            Assert.Equal("::1", environment[prefix + "1"]);
        }

        await using var publish = await CreateAsync("--AppHost:Operation=publish");
        Assert.DoesNotContain(await EnvironmentAsync(publish, "socketnode"), e => e.Key.StartsWith(prefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Three_nats_servers_form_one_cluster_each_routed_to_the_other_two()
    {
        await using var builder = await CreateAsync("--ConnCount:Nats:Servers=3", "--ConnCount:Nats:Mode=executable");

        var servers = builder.Resources.OfType<INatsServerResource>().OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(["nats-0", "nats-1", "nats-2"], servers.Select(s => s.Name));
        Assert.Single(servers.Select(s => s.PasswordParameter).Distinct());
        foreach (var server in servers)
        {
            var args = await ArgsAsync(server);
            Assert.Equal("conncount", args[args.IndexOf("--cluster_name") + 1]);
            var routes = args[args.IndexOf("--routes") + 1];
            Assert.All(servers, peer => Assert.Equal(peer != server, routes.Contains($"{{{peer.Name}.bindings.cluster.", StringComparison.Ordinal)));
            Assert.Contains("{nats-password.value}@", routes, StringComparison.Ordinal);
        }

        var socketNode = builder.Resources.Single(r => r.Name == "socketnode");
        Assert.Equal(
            ["nats-0", "nats-1", "nats-2"],
            socketNode.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Where(n => n.StartsWith("nats", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public async Task Publishing_describes_one_nats_server_whatever_the_server_count()
    {
        await using var builder = await CreateAsync("--AppHost:Operation=publish", "--ConnCount:Nats:Servers=3");

        Assert.Equal("nats", Nats(builder).Name);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("three")]
    public async Task A_nats_server_count_below_one_or_not_a_number_is_refused(string servers)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => CreateAsync($"--ConnCount:Nats:Servers={servers}"));

        Assert.Contains("ConnCount:Nats:Servers", error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<List<string>> ArgsAsync(IResource resource)
    {
        var args = new List<object>();
        foreach (var callback in resource.Annotations.OfType<CommandLineArgsCallbackAnnotation>())
        {
            await callback.Callback(new CommandLineArgsCallbackContext(args, resource));
        }

        return args.Select(arg => arg switch
        {
            string text => text,
            IManifestExpressionProvider expression => expression.ValueExpression,
            _ => arg.ToString() ?? "",
        }).ToList();
    }

    private static async Task<Dictionary<string, object>> EnvironmentAsync(IDistributedApplicationTestingBuilder builder, string resourceName)
    {
        var resource = builder.Resources.Single(r => r.Name == resourceName);
        var environment = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(new EnvironmentCallbackContext(builder.ExecutionContext, environment));
        }

        return environment;
    }

    private static async Task<IDistributedApplicationTestingBuilder> CreateAsync(params string[] args)
    {
        using var timeout = new CancellationTokenSource(BuildTimeout);
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.ConnCount_AppHost>(args, timeout.Token);
    }

    private static INatsServerResource Nats(IDistributedApplicationTestingBuilder builder) =>
        builder.Resources.OfType<INatsServerResource>().Single();

    private static int? HttpPort(IDistributedApplicationTestingBuilder builder, string resourceName) =>
        builder.Resources.Single(r => r.Name == resourceName)
            .Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "http").Port;
}
