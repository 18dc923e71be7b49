using ConnCount.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnCount.Tests.Unit;

/// <summary>
/// <c>ConnCount:Sockets</c> reaches Kestrel's socket transport. The nodes ship with Kestrel's scheduling: inline
/// scheduling saves memory after a presence ramp but costs their request/reply throughput. The StatsApi ships with
/// inline scheduling: its short requests then start on the thread that read them (README, Configuration).
/// </summary>
public class SocketTransportSettingsTests
{
    private static SocketTransportOptions TransportOptions(string servicesSettingsFile)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddJsonFile(servicesSettingsFile, optional: false);
        builder.AddServiceDefaults();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;
    }

    [Fact]
    public void The_nodes_shipped_settings_keep_Kestrels_scheduling()
    {
        var options = TransportOptions(Path.Combine(RepoPaths.Root, "ConnCount.SocketNode", "appsettings.json"));

        Assert.False(options.UnsafePreferInlineScheduling);
    }

    [Fact]
    public void The_stats_apis_shipped_settings_schedule_inline()
    {
        var options = TransportOptions(Path.Combine(RepoPaths.Root, "ConnCount.StatsApi", "appsettings.json"));

        Assert.True(options.UnsafePreferInlineScheduling);
    }

    [Fact]
    public void An_operator_can_turn_inline_scheduling_on_and_set_other_transport_settings()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("conncount-sockets-").FullName, "appsettings.json");
        File.WriteAllText(file, """{ "ConnCount": { "Sockets": { "UnsafePreferInlineScheduling": true, "IOQueueCount": 3 } } }""");

        var options = TransportOptions(file);

        Assert.True(options.UnsafePreferInlineScheduling);
        Assert.Equal(3, options.IOQueueCount);
    }
}
