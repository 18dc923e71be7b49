using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ConnCount.StatsApi.History;
using ConnCount.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace ConnCount.Tests.Integration;

/// <summary>
/// The live page in a real headless Chromium (Debian package <c>chromium</c>), driven over the DevTools
/// protocol: it shows the cluster's exact counts and follows them without a reload.
/// </summary>
public partial class LivePageTests
{
    private const string Key = "live-page-key-0123456789";
    private const string ChromiumPath = "/usr/bin/chromium";

    private static Uri Ws(Uri http) => PhoenixTestClient.WebSocketUri(http);

    [Fact]
    public async Task The_page_shows_the_exact_total_and_follows_changes_without_a_reload()
    {
        await using var cluster = await TestCluster.StartAsync();
        var a = await cluster.StartNodeAsync("node-a");
        var b = await cluster.StartNodeAsync("node-b");
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });
        api.DefaultRequestHeaders.Add("X-Api-Key", Key);

        // 4 memberships on 3 sockets over two nodes; room:lobby is the busiest topic.
        await using var c1 = await PhoenixTestClient.ConnectAsync(Ws(a));
        await using var c2 = await PhoenixTestClient.ConnectAsync(Ws(b));
        await using var c3 = await PhoenixTestClient.ConnectAsync(Ws(a));
        await c1.JoinAsync("room:lobby");
        await c1.JoinAsync("room:<i>markup</i>");
        await c2.JoinAsync("room:lobby");
        await c3.JoinAsync("room:lobby");
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("total_connections").GetInt64() == 4);

        await using var browser = await Chromium.StartAsync();
        // The key in the fragment: never sent to the server, kept by the browser across the redirect from /.
        var page = await browser.OpenAsync(new Uri(api.BaseAddress!, $"/#key={Key}"));

        await page.WaitForTextAsync("#total-connections", "4");
        Assert.Equal("3", await page.TextAsync("#total-sockets"));
        Assert.Equal("2", await page.TextAsync("#cluster-size"));
        Assert.Equal("2", await page.TextAsync("#total-topics"));
        Assert.Equal("node-a node-b", await page.EvaluateAsync<string>(
            "[...document.querySelectorAll('#nodes tbody tr td:first-child')].map(td => td.textContent).join(' ')"));
        Assert.Equal("room:lobby 3", await page.EvaluateAsync<string>(
            "[...document.querySelector('#topics tbody tr').children].slice(0, 2).map(td => td.textContent).join(' ')"));
        // A topic name is text on the page, never markup.
        Assert.Equal(0, await page.EvaluateAsync<int>("document.querySelectorAll('#topics i').length"));
        // The key left the address bar once the page had read it.
        Assert.Equal("/live/", await page.EvaluateAsync<string>("location.pathname + location.search + location.hash"));

        // A value only this document holds: a reload would lose it.
        await page.EvaluateAsync<string>("window.__sameDocument = 'yes'");
        await using var c4 = await PhoenixTestClient.ConnectAsync(Ws(b));
        await c4.JoinAsync("room:lobby");
        await c4.JoinAsync("room:new");
        await c1.LeaveAsync("room:<i>markup</i>");

        await page.WaitForTextAsync("#total-connections", "5");
        await page.WaitForTextAsync("#total-sockets", "4");
        Assert.Equal("yes", await page.EvaluateAsync<string>("window.__sameDocument"));
        Assert.Equal("room:lobby 4", await page.EvaluateAsync<string>(
            "[...document.querySelector('#topics tbody tr').children].slice(0, 2).map(td => td.textContent).join(' ')"));
        // The chart has drawn a line through several polls.
        var points = await page.EvaluateAsync<int>("document.querySelector('#chart path.line-connections').getAttribute('d').split('L').length");
        Assert.True(points >= 2, $"the chart has {points} point(s)");
    }

    [Fact]
    public async Task On_open_the_page_draws_the_stored_hours_and_shades_the_partial_minutes()
    {
        await using var cluster = await TestCluster.StartAsync();
        // Three hours of minutes, stored as an earlier run of the StatsApi left them (the recorder is off here, so the
        // stream holds exactly these); one minute was partial and one hour has nothing stored.
        await using (var nats = new NatsConnection(new NatsOpts { Url = cluster.NatsUrl }))
        {
            var js = new NatsJSContext(nats);
            await HistoryStorage.EnsureStreamAsync(js, new HistoryOptions(), CancellationToken.None);
            var now = DateTimeOffset.UtcNow;
            var start = HistoryRecorder.NextInstant(now, TimeSpan.FromMinutes(1)).AddHours(-4);
            for (var minute = 0; minute < 180; minute++)
            {
                var at = start.AddMinutes(minute < 120 ? minute : minute + 60);
                var partial = minute == 100;
                var sample = new HistorySample(at, 60, 100 + minute, 150 + minute, partial ? 1 : 2, partial ? ["node-b"] : [], partial,
                    3, 1, true, at.AddMinutes(-1), new Dictionary<string, long>(), false);
                var ack = await js.PublishAsync(HistoryStorage.Subject, sample, HistoryStorage.Serializer, new NatsJSPubOpts { MsgId = HistoryStorage.MessageId(at) });
                ack.EnsureSuccess();
            }
        }

        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key, ["ConnCount__History__Enabled"] = "false" });
        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(new Uri(api.BaseAddress!, $"/live/#key={Key}"));

        await page.WaitForTextAsync("#history-note", "180 minute(s) stored");
        var d = await page.EvaluateAsync<string>("document.querySelector('#history path.line-connections').getAttribute('d')");
        // One line through the minutes, broken once where the hour is missing.
        Assert.Equal(180, d.Split(['M', 'L'], StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(2, d.Count(c => c == 'M'));
        Assert.Equal(1, await page.EvaluateAsync<int>("document.querySelectorAll('#history rect.partial').length"));
        Assert.Equal("max 329 · 6 h ago", await page.TextAsync("#history-max"));
    }

    [Fact]
    public async Task A_draining_node_shows_a_draining_badge_until_it_resumes()
    {
        const string adminKey = "live-page-admin-key-0123456789";
        await using var cluster = await TestCluster.StartAsync();
        await cluster.StartNodeAsync("node-a");
        await cluster.StartNodeAsync("node-b");
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key, ["ConnCount__Api__AdminKey"] = adminKey });
        api.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        await Eventually.MatchAsync(() => cluster.GetStatsAsync(), s => s.GetProperty("cluster_size").GetInt32() == 2);

        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(new Uri(api.BaseAddress!, $"/#key={Key}"));
        await page.WaitForTextAsync("#cluster-size", "2");
        Assert.Equal(0, await page.EvaluateAsync<int>("document.querySelectorAll('#nodes .badge.draining').length"));

        using (var drain = await api.PostAsync("/api/admin/nodes/node-a/drain", null))
        {
            drain.EnsureSuccessStatusCode();
        }

        // The badge sits in node-a's row, and only there.
        const string badged = "[...document.querySelectorAll('#nodes tbody tr')].filter(tr => tr.querySelector('.badge.draining')).map(tr => tr.cells[0].textContent + ' ' + tr.cells[1].textContent).join('|')";
        Assert.Equal("node-a ok draining", await page.WaitForAsync(badged, s => s.Length > 0));

        using (var resume = await api.DeleteAsync("/api/admin/nodes/node-a/drain"))
        {
            resume.EnsureSuccessStatusCode();
        }

        Assert.Equal("", await page.WaitForAsync(badged, s => s.Length == 0));
    }

    [Fact]
    public async Task Without_the_key_the_page_says_how_to_give_it()
    {
        await using var cluster = await TestCluster.StartAsync();
        var api = await cluster.StartApiAsync(new() { ["ConnCount__Api__Key"] = Key });

        // The page itself is open; its data is not.
        using var html = await api.GetAsync("/");
        html.EnsureSuccessStatusCode();
        Assert.Equal("/live/", html.RequestMessage!.RequestUri!.AbsolutePath);
        Assert.Contains("default-src 'none'", html.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        await using var browser = await Chromium.StartAsync();
        var page = await browser.OpenAsync(new Uri(api.BaseAddress!, "/live/"));

        var status = await page.WaitForAsync("document.getElementById('status')?.textContent ?? ''", s => s.Contains("#key=", StringComparison.Ordinal));
        Assert.Contains("needs a key", status, StringComparison.Ordinal);
        Assert.Equal("–", await page.TextAsync("#total-connections"));
    }

    /// <summary>
    /// Headless Chromium under the DevTools protocol, over a plain <see cref="ClientWebSocket"/>: no driver
    /// download, no browser download. Killed with its whole process tree at dispose.
    /// </summary>
    private sealed partial class Chromium : IAsyncDisposable
    {
        private readonly ExternalProcess _process;
        private readonly string _profile;
        private readonly ClientWebSocket _socket = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
        private readonly SemaphoreSlim _send = new(1, 1);
        private Task? _receiving;
        private int _id;

        private Chromium(ExternalProcess process, string profile)
        {
            _process = process;
            _profile = profile;
        }

        public static async Task<Chromium> StartAsync()
        {
            Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: apt-get install -y chromium");
            var profile = Directory.CreateTempSubdirectory("conncount-chromium-").FullName;
            var process = ExternalProcess.Start(ChromiumPath,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                $"--user-data-dir={profile}", "about:blank",
            ]);
            var browser = new Chromium(process, profile);
            try
            {
                var endpoint = await Eventually.MatchAsync(
                    () => Task.FromResult(DevToolsUrl().Match(process.Output)),
                    m => m.Success || process.HasExited,
                    TimeSpan.FromSeconds(30),
                    "Chromium prints its DevTools endpoint");
                Assert.True(endpoint.Success, "Chromium exited during start:\n" + process.Output);

                await browser._socket.ConnectAsync(new Uri(endpoint.Groups[1].Value), CancellationToken.None);
                browser._receiving = browser.ReceiveLoopAsync();
                return browser;
            }
            catch
            {
                await browser.DisposeAsync();
                throw;
            }
        }

        /// <summary>Opens <paramref name="url"/> in a new tab and returns it once attached.</summary>
        public async Task<Tab> OpenAsync(Uri url)
        {
            var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = url.ToString() });
            var attached = await SendAsync("Target.attachToTarget", new JsonObject
            {
                ["targetId"] = target.GetProperty("targetId").GetString(),
                ["flatten"] = true,
            });
            return new Tab(this, attached.GetProperty("sessionId").GetString()!);
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_socket.State == WebSocketState.Open)
                {
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
            }

            _socket.Abort();
            await _process.DisposeAsync();
            if (_receiving is not null)
            {
                await _receiving;
            }

            _socket.Dispose();
            _send.Dispose();
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
                // A profile file still being closed by a dying renderer; the temp folder is cleaned later.
            }
        }

        internal async Task<JsonElement> SendAsync(string method, JsonObject parameters, string? sessionId = null)
        {
            var id = Interlocked.Increment(ref _id);
            var reply = _pending.GetOrAdd(id, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously));
            var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
            if (sessionId is not null)
            {
                message["sessionId"] = sessionId;
            }

            await _send.WaitAsync();
            try
            {
                await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }

            var response = await reply.Task.WaitAsync(TimeSpan.FromSeconds(15));
            if (response.TryGetProperty("error", out var error))
            {
                throw new InvalidOperationException($"{method} failed: {error}");
            }

            return response.GetProperty("result");
        }

        private async Task ReceiveLoopAsync()
        {
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            try
            {
                while (true)
                {
                    message.SetLength(0);
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    using var doc = JsonDocument.Parse(message.ToArray());
                    // Events carry no id; only replies to our commands matter here.
                    if (doc.RootElement.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var pending))
                    {
                        pending.TrySetResult(doc.RootElement.Clone());
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
            finally
            {
                foreach (var pending in _pending.Values)
                {
                    pending.TrySetException(new WebSocketException("DevTools connection closed"));
                }
            }
        }

        [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
        private static partial Regex DevToolsUrl();
    }

    /// <summary>One page, addressed by its DevTools session.</summary>
    private sealed class Tab(Chromium browser, string sessionId)
    {
        /// <summary>Evaluates <paramref name="expression"/> in the page and returns its value as JSON.</summary>
        public async Task<T> EvaluateAsync<T>(string expression)
        {
            var result = await browser.SendAsync("Runtime.evaluate", new JsonObject
            {
                ["expression"] = expression,
                ["returnByValue"] = true,
            }, sessionId);
            if (result.TryGetProperty("exceptionDetails", out var exception))
            {
                throw new InvalidOperationException($"'{expression}' threw: {exception}");
            }

            return result.GetProperty("result").GetProperty("value").Deserialize<T>()!;
        }

        public Task<string> TextAsync(string selector) =>
            EvaluateAsync<string>($"document.querySelector({JsonSerializer.Serialize(selector)})?.textContent ?? ''");

        /// <summary>Polls the page (the page polls the API every second) until the expression's value fits.</summary>
        public Task<string> WaitForAsync(string expression, Func<string, bool> condition) =>
            Eventually.MatchAsync(() => EvaluateAsync<string>(expression), condition, TimeSpan.FromSeconds(20), expression);

        public Task<string> WaitForTextAsync(string selector, string text) =>
            Eventually.MatchAsync(() => TextAsync(selector), t => t == text, TimeSpan.FromSeconds(20), $"{selector} shows {text}");
    }
}
