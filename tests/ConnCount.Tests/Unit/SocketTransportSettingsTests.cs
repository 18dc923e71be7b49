using ConnCount.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ConnCount.Tests.Unit;

/// <summary>
/// <c>ConnCount:Sockets</c> reaches Kestrel's socket transport, and both services ship with inline scheduling on
/// (a broadcast to many sockets then keeps no pooled block per socket; docs/benchmarks.md has the memory row).
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
    public void The_shipped_settings_schedule_socket_work_inline(string project)
    {
        var options = TransportOptions(Path.Combine(RepoPaths.Root, project, "appsettings.json"));

        Assert.True(options.UnsafePreferInlineScheduling);
    }

    [Fact]
    public void An_operator_can_turn_it_off_and_set_other_transport_settings()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("conncount-sockets-").FullName, "appsettings.json");
        File.WriteAllText(file, """{ "ConnCount": { "Sockets": { "UnsafePreferInlineScheduling": false, "IOQueueCount": 3 } } }""");

        var options = TransportOptions(file);

        Assert.False(options.UnsafePreferInlineScheduling);
        Assert.Equal(3, options.IOQueueCount);
    }
}
