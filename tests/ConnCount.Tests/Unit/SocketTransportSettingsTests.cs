using ConnCount.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnCount.Tests.Unit;

/// <summary>
/// <c>ConnCount:Sockets</c> reaches Kestrel's socket transport. Both services ship with Kestrel's scheduling: inline
/// scheduling saves memory after a presence ramp but costs request/reply throughput (README, Configuration).
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

    [Theory]
    [InlineData("ConnCount.SocketNode")]
    [InlineData("ConnCount.StatsApi")]
    public void The_shipped_settings_keep_Kestrels_scheduling(string project)
    {
        var options = TransportOptions(Path.Combine(RepoPaths.Root, project, "appsettings.json"));

        Assert.False(options.UnsafePreferInlineScheduling);
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
