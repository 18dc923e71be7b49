using ConnCount.ServiceDefaults.Nats;
using NATS.Client.Core;

namespace ConnCount.Tests.Unit;

/// <summary>The NATS connection string every service reads: one URL, or a comma-separated list of a cluster's servers.</summary>
public class NatsConnectionStringTests
{
    [Fact]
    public async Task One_url_with_credentials_gives_that_user()
    {
        var opts = NatsClientExtensions.CreateOptions("nats", "nats://conn%40count:p%3Ass@nats.internal");

        // NatsOpts reads the user from the URL when a connection is made of it; nothing connects here.
        await using var connection = new NatsConnection(opts);
        Assert.Equal("conn@count", connection.Opts.AuthOpts.Username);
        Assert.Equal("p:ss", connection.Opts.AuthOpts.Password);
    }

    [Fact]
    public async Task Several_urls_give_the_one_user()
    {
        var opts = NatsClientExtensions.CreateOptions("nats", "nats://u:p@10.0.0.1:4222, nats://10.0.0.2:4223 ,nats://u:p@10.0.0.3");

        await using var connection = new NatsConnection(opts);
        Assert.Equal("u", connection.Opts.AuthOpts.Username);
        Assert.Equal("p", connection.Opts.AuthOpts.Password);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("localhost:4222")]
    [InlineData("http://10.0.0.1:4222")]
    [InlineData("nats://10.0.0.1:4222,not a url")]
    [InlineData("nats://a:1@10.0.0.1:4222,nats://b:2@10.0.0.2:4222")]
    public void A_bad_connection_string_is_refused_with_a_clear_error(string connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => NatsClientExtensions.CreateOptions("nats", connectionString));

        Assert.Contains("ConnectionStrings:nats", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":1@", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":2@", error.Message, StringComparison.Ordinal);
    }
}
