using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using ConnCount.Cluster.Contracts;
using ConnCount.Tests.Infrastructure;
using NATS.Client.Core;

namespace ConnCount.Tests.Integration;

/// <summary>
/// An answer says <c>partial: false</c> only when every node the cluster knew has answered: through a pause, a kill,
/// a NATS outage and a duplicate node id, against real processes, polled fast enough to catch a wrong complete answer.
/// </summary>
public class CompleteAnswerTests
{
    // TestCluster's expiry: past it a silent node is no longer waited for, only named missing.
    private static readonly TimeSpan Expiry = TimeSpan.FromSeconds(2);

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    private static bool Complete(JsonElement stats) => !stats.GetProperty("partial").GetBoolean();

    private static long Sockets(JsonElement stats) => stats.GetProperty("total_sockets").GetInt64();

    private static List<string> Missing(JsonElement stats) => [.. stats.GetProperty("missing_nodes").EnumerateArray().Select(n => n.GetString()!)];

    [Fact]
    public async Task A_paused_node_stays_missing_with_its_sockets_stale_past_the_expiry_and_is_counted_again_when_it_resumes()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        await cluster.StartApiAsync();
        await using var held = new HeldSockets();
        await held.OpenAsync(a, 20);
        await held.OpenAsync(b, 10);
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => Complete(s) && Sockets(s) == 30);

        await using var poller = new StatsPoller(cluster.Api);
        var pausedAt = poller.Elapsed;
        await cluster.Nodes["node-a"].Process.PauseAsync();
        var paused = await poller.FirstAnswerAfterAsync(pausedAt + (Expiry * 2));

        Assert.False(Complete(paused), "a paused node's sockets are still open");
        Assert.Equal(["node-a"], Missing(paused));
        Assert.Equal(20, paused.GetProperty("stale").GetProperty("node-a").GetProperty("sockets").GetInt64());
        Assert.Equal(10, Sockets(paused));

        await cluster.Nodes["node-a"].Process.ResumeAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => Complete(s) && Sockets(s) == 30, because: "the resumed node is heard again");
        Assert.Empty(await poller.StopAsync(wrongIfCompleteBelow: 30));
    }

    [Fact]
    public async Task After_a_nats_outage_no_answer_is_complete_until_every_node_known_before_has_answered_again()
    {
        await using var cluster = await TestCluster.StartAsync();
        await using var held = new HeldSockets();
        foreach (var id in new[] { "node-a", "node-b", "node-c" })
        {
            await held.OpenAsync(await cluster.StartNodeAsync(id), 10);
        }

        await cluster.StartApiAsync();
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => Complete(s) && Sockets(s) == 30);

        await using var poller = new StatsPoller(cluster.Api);
        await cluster.Nats.StopAsync(TimeSpan.FromSeconds(5));
        // The outage lasts longer than the expiry: silence the API could take for the nodes' death.
        await Task.Delay(Expiry * 2.5);
        var restartedAt = poller.Elapsed;
        await cluster.StartNatsAsync();

        await Eventually.MatchAsync(
            () => cluster.GetStatsAsync(), s => Complete(s) && Sockets(s) == 30, TimeSpan.FromSeconds(25), "every node reconnects");
        // The poller's own answers must reach past the reconnect, or it saw nothing of the moments that matter.
        await poller.FirstAnswerAfterAsync(poller.Elapsed);
        var wrong = await poller.StopAsync(wrongIfCompleteBelow: 30);
        Assert.Empty(wrong);
        Assert.Contains(poller.Answers, x => x.At > restartedAt);
    }

    [Fact]
    public async Task A_second_process_with_a_live_node_id_refuses_to_start_and_a_goodbye_of_another_epoch_removes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        await cluster.StartApiAsync();
        await using var held = new HeldSockets();
        await held.OpenAsync(a, 5);
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => Complete(s) && Sockets(s) == 5);
        await using var poller = new StatsPoller(cluster.Api);

        var (duplicate, _) = cluster.StartNodeProcess("node-a");
        await duplicate.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.True(duplicate.HasExited, "the duplicate refused to start");
        Assert.Equal(2, duplicate.ExitCode);
        Assert.Contains("Node id 'node-a' is already in use", duplicate.Output, StringComparison.Ordinal);

        // Another epoch of the id says goodbye (as the duplicate might on its way out): the running node stays.
        await using (var nats = new NatsConnection(NatsOpts.Default with { Url = cluster.NatsUrl }))
        {
            await nats.PublishAsync(
                NatsSubjects.Goodbye,
                new NodeAnnouncement("node-a", DateTimeOffset.UtcNow, 0, 0),
                serializer: new NatsJsonContextSerializer<NodeAnnouncement>(ClusterJsonContext.Default));
            await nats.PingAsync();
        }

        var goodbyeAt = poller.Elapsed;
        await poller.FirstAnswerAfterAsync(goodbyeAt + TimeSpan.FromSeconds(2));
        Assert.All(poller.Answers.Where(x => x.At > goodbyeAt), x =>
        {
            Assert.True(Complete(x.Stats));
            Assert.Equal(1, x.Stats.GetProperty("cluster_size").GetInt32());
            Assert.Equal(5, Sockets(x.Stats));
        });
        Assert.Empty(await poller.StopAsync(wrongIfCompleteBelow: 5));
    }

    [Fact]
    public async Task A_killed_node_leaves_the_totals_at_once_and_stays_missing_until_its_sockets_cannot_be_open()
    {
        await using var cluster = await TestCluster.StartAsync();
        // A short idle timeout keeps the killed node's linger (heartbeat + idle timeout + sweep + close grace) near 9 s.
        var idleTimeout = TimeSpan.FromSeconds(5);
        var a = await cluster.StartNodeAsync("node-a", new() { ["ConnCount__Node__IdleTimeout"] = idleTimeout.ToString() });
        var b = await cluster.StartNodeAsync("node-b", new() { ["ConnCount__Node__PresenceInterval"] = "00:00:00.300" });
        await cluster.StartApiAsync();
        await using var onA = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var onB = await PhoenixTestClient.ConnectAsync(Ws(b));
        await using var watcher = await PhoenixTestClient.ConnectAsync(Ws(b));
        await onA.JoinAsync("room");
        await onB.JoinAsync("room");
        await watcher.JoinAsync("stats:cluster");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => Complete(s) && s.GetProperty("total_connections").GetInt64() == 2);

        await using var poller = new StatsPoller(cluster.Api);
        var killedAt = poller.Elapsed;
        cluster.Nodes["node-a"].Process.Kill();

        // The stats:cluster push reflects the loss by itself, within the expiry and a gather.
        var push = await Eventually.MatchAsync(
            () => Task.FromResult(watcher.Pushes.Where(p => p[2].GetString() == "stats:cluster" && p[3].GetString() == "connection_stats").ToList()),
            p => p.Count > 0 && p[^1][4].GetProperty("total_connections").GetInt64() == 1,
            Expiry * 2,
            "a push without the killed node's memberships");
        Assert.True(push[^1][4].GetProperty("partial").GetBoolean());
        Assert.Equal(["node-a"], Missing(push[^1][4]));

        var expired = await poller.FirstAnswerAfterAsync(killedAt + (Expiry * 2));
        Assert.False(Complete(expired), "past the expiry, the killed node's sockets could still be open as far as anyone knows");
        Assert.Equal(["node-a"], Missing(expired));
        Assert.Equal(1, expired.GetProperty("total_connections").GetInt64());
        Assert.Equal(1, expired.GetProperty("stale").GetProperty("node-a").GetProperty("total").GetInt64());

        var dropped = await Eventually.MatchAsync(
            () => cluster.GetStatsAsync(), Complete, TimeSpan.FromSeconds(20), "the killed node is dropped once its linger has passed");
        Assert.Equal(1, dropped.GetProperty("cluster_size").GetInt32());
        Assert.Equal(1, dropped.GetProperty("total_connections").GetInt64());
        // Complete without node-a's socket only once its linger (longer than the idle timeout) has passed.
        await poller.DisposeAsync();
        Assert.DoesNotContain(poller.Answers, x => Complete(x.Stats) && Sockets(x.Stats) < 3 && x.At < killedAt + idleTimeout);
    }

    /// <summary>Sockets joined to one topic, closed with the test.</summary>
    private sealed class HeldSockets : IAsyncDisposable
    {
        private readonly List<PhoenixTestClient> _clients = [];

        public async Task OpenAsync(Uri node, int count)
        {
            for (var i = 0; i < count; i++)
            {
                var client = await PhoenixTestClient.ConnectAsync(Ws(node));
                _clients.Add(client);
                await client.JoinAsync("room");
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var client in _clients)
            {
                await client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Polls <c>GET /api/stats</c> every 50 ms in the background and keeps every answer with when it came. Answers
    /// that say complete while fewer sockets are held than the test holds are the wrong complete answers.
    /// </summary>
    private sealed class StatsPoller : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly ConcurrentQueue<(TimeSpan At, JsonElement Stats)> _answers = new();
        private readonly Task _loop;

        public StatsPoller(HttpClient api) => _loop = PollAsync(api);

        public TimeSpan Elapsed => _clock.Elapsed;

        public IReadOnlyList<(TimeSpan At, JsonElement Stats)> Answers => [.. _answers];

        /// <summary>The first answer that came after <paramref name="after"/>.</summary>
        public async Task<JsonElement> FirstAnswerAfterAsync(TimeSpan after)
        {
            var answers = await Eventually.MatchAsync(
                () => Task.FromResult(Answers), xs => xs.Any(x => x.At > after), after - Elapsed + TimeSpan.FromSeconds(10), $"an answer after {after}");
            return answers.First(x => x.At > after).Stats;
        }

        /// <summary>Stops polling and returns the answers that said complete with fewer than <paramref name="wrongIfCompleteBelow"/> sockets.</summary>
        public async Task<List<string>> StopAsync(long wrongIfCompleteBelow)
        {
            await DisposeAsync();
            return [.. Answers.Where(x => Complete(x.Stats) && Sockets(x.Stats) < wrongIfCompleteBelow).Select(x => $"{x.At}: {x.Stats}")];
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stop.IsCancellationRequested)
            {
                await _stop.CancelAsync();
                await _loop;
            }
        }

        private async Task PollAsync(HttpClient api)
        {
            await Task.Yield();
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await api.GetAsync("/api/stats", _stop.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        _answers.Enqueue((_clock.Elapsed, await response.Content.ReadFromJsonAsync<JsonElement>(_stop.Token)));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
                {
                    // NATS down (503 is not an exception) or the poller stopping.
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), _stop.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
