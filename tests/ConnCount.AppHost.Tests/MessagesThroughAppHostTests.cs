using System.Net;
using System.Text;

namespace ConnCount.AppHost.Tests;

/// <summary>
/// The AppHost's runnable example of messages: <c>room:*</c> topics carry them across the replicas, from a member's
/// push and from the stats API's publish with the generated admin key, and track who is present on every replica.
/// </summary>
[Collection(AppHostCollection.Name)]
public sealed class MessagesThroughAppHostTests(ConnCountAppFixture fixture)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    private readonly ClusterSockets _cluster = new(fixture);

    [Fact]
    public async Task A_push_on_a_room_reaches_members_on_other_replicas_and_so_does_a_server_publish()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);
        var sockets = await _cluster.OpenAsync("room:apphost-messages", timeout.Token);
        try
        {
            var topic = "room:apphost-messages:all";
            var sender = sockets[0];
            var elsewhere = sockets.Where(s => s.Node != sender.Node).ToList();
            Assert.NotEmpty(elsewhere);

            var reply = await sender.Client.PushAsync(topic, "shout", new { body = "across replicas" }, timeout.Token);
            Assert.True(reply.IsOk, reply.Reason);
            using var publish = new HttpRequestMessage(HttpMethod.Post, "/api/topics/room%3Aapphost-messages%3Aall/messages")
            {
                Content = new StringContent("""{"event":"notice","payload":{"from":"server"}}""", Encoding.UTF8, "application/json"),
            };
            using var published = await fixture.StatsApiAdmin.SendAsync(publish, timeout.Token);
            Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);

            foreach (var member in sockets.Skip(1))
            {
                await Eventually.MatchAsync(
                    () => Task.FromResult(member.Client.Pushes.Select(p => p[3].GetString()).ToHashSet()),
                    events => events.Contains("shout") && events.Contains("notice"),
                    TimeSpan.FromSeconds(15),
                    $"a member on {member.Node} hears the push and the publish",
                    timeout.Token);
            }

            Assert.DoesNotContain(sender.Client.Pushes, p => p[3].GetString() == "shout");
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }

    [Fact]
    public async Task Every_member_of_a_room_lists_every_socket_on_every_replica()
    {
        using var timeout = new CancellationTokenSource(TestTimeout);
        await _cluster.WaitForEmptyClusterAsync(timeout.Token);
        var sockets = await _cluster.OpenAsync("room:apphost-presence", timeout.Token);
        try
        {
            var topic = "room:apphost-presence:all";
            Assert.True(sockets.Select(s => s.Node).Distinct().Count() > 1, "the sockets landed on more than one replica");
            foreach (var member in sockets)
            {
                await Eventually.MatchAsync(
                    () => Task.FromResult(PresenceView.Of(member.Client, topic).Metas),
                    metas => metas == sockets.Count,
                    TimeSpan.FromSeconds(15),
                    $"a member on {member.Node} lists all {sockets.Count} sockets",
                    timeout.Token);
            }
        }
        finally
        {
            await ClusterSockets.CloseAllAsync(sockets);
        }
    }
}
