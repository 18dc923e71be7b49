using System.Globalization;
using System.Net.Sockets;

namespace ConnCount.TestSupport;

/// <summary>A real <c>nats-server</c> process on a loopback port, the way nats.net's own tests run one.</summary>
public static class NatsServer
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Starts <c>nats-server</c> on <c>127.0.0.1:<paramref name="port"/></c>, requiring
    /// <paramref name="credentials"/> when given, with JetStream storing in <paramref name="storeDirectory"/> when given,
    /// and a <c>max_payload</c> of <paramref name="maxPayload"/> bytes when given (1 MB otherwise), and returns once it
    /// accepts connections.
    /// </summary>
    public static async Task<ExternalProcess> StartAsync(
        int port, (string User, string Password)? credentials = null, string? storeDirectory = null, int? maxPayload = null)
    {
        List<string> args = ["-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)];
        // nats-server has no flag for max_payload: it is set by a configuration file, read once at start.
        string? config = null;
        if (maxPayload is { } max)
        {
            config = Path.GetTempFileName();
            await File.WriteAllTextAsync(config, $"max_payload: {max.ToString(CultureInfo.InvariantCulture)}\n");
            args.AddRange(["-c", config]);
        }

        if (storeDirectory is not null)
        {
            args.AddRange(["-js", "-sd", storeDirectory]);
        }

        if (credentials is { } c)
        {
            args.AddRange(["--user", c.User, "--pass", c.Password]);
        }

        var process = ExternalProcess.Start("nats-server", args);
        try
        {
            await WaitForTcpAsync(port);
            return process;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        finally
        {
            if (config is not null)
            {
                File.Delete(config);
            }
        }
    }

    private static async Task WaitForTcpAsync(int port)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
