using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using System.Collections.Concurrent;
using ConnCount.SocketNode.Memberships;
using ConnCount.SocketNode.Protection;
using ConnCount.SocketNode.Usage;
using Microsoft.Extensions.Options;

namespace ConnCount.Tests.Unit;

public class UsageLedgerTests
{
    // 10:59:00 UTC: a minute before an hour boundary.
    private static readonly DateTimeOffset Start = new(2026, 11, 26, 10, 59, 0, TimeSpan.Zero);
    private static readonly long StartMs = Start.ToUnixTimeMilliseconds();

    private static (LedgerOnTable Ledger, ManualTime Time) NewLedger(Action<UsageOptions>? configure = null)
    {
        var options = new UsageOptions();
        configure?.Invoke(options);
        var time = new ManualTime(Start);
        return (new LedgerOnTable(time, Options.Create(options)), time);
    }

    private static UsageReport Report(LedgerOnTable ledger, UsageQuery? query = null) =>
        ledger.Ledger.Report("node-a", Start, query ?? UsageQuery.Default);

    [Fact]
    public void Open_sessions_count_up_to_now_and_closed_ones_stop_counting()
    {
        var (ledger, time) = NewLedger();
        ledger.Joined("room", null, ledger.NowMs());
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(10_000, Report(ledger).Topics["room"].ConnectionMs);

        ledger.Joined("room", null, ledger.NowMs());
        time.Advance(TimeSpan.FromMilliseconds(2_500));
        Assert.Equal(12_500 + 2_500, Report(ledger).Topics["room"].ConnectionMs);

        ledger.Left("room", null, StartMs, ledger.NowMs());
        time.Advance(TimeSpan.FromSeconds(30));
        var room = Report(ledger).Topics["room"];
        Assert.Equal(12_500 + 32_500, room.ConnectionMs);
        Assert.Equal(1, room.Open);
        Assert.Equal(2, room.Joins);
        Assert.Equal(1, room.Leaves);
    }

    [Fact]
    public void Connection_time_is_attributed_to_the_topic_and_to_the_tenant_of_each_join()
    {
        var (ledger, time) = NewLedger();
        var t0 = ledger.NowMs();
        ledger.Joined("a", "acme", t0);
        ledger.Joined("b", "acme", t0);
        ledger.Joined("b", "globex", t0);
        ledger.Joined("b", null, t0);
        time.Advance(TimeSpan.FromSeconds(4));
        ledger.Left("a", "acme", t0, ledger.NowMs());
        time.Advance(TimeSpan.FromSeconds(6));

        var report = Report(ledger);
        Assert.Equal(4_000, report.Topics["a"].ConnectionMs);
        Assert.Equal(30_000, report.Topics["b"].ConnectionMs);
        Assert.Equal(4_000 + 10_000, report.Tenants["acme"].ConnectionMs);
        Assert.Equal(10_000, report.Tenants["globex"].ConnectionMs);
        Assert.Equal(2, report.Tenants.Count);
        Assert.Equal(34_000, report.Totals.ConnectionMs);
        Assert.Equal(3, report.Totals.Open);
    }

    [Fact]
    public void A_session_crossing_a_period_boundary_is_split_exactly_at_it()
    {
        var (ledger, time) = NewLedger();
        time.Advance(TimeSpan.FromSeconds(30)); // 10:59:30
        var joined = ledger.NowMs();
        ledger.Joined("room", "acme", joined);
        time.Advance(TimeSpan.FromSeconds(50)); // 11:00:20

        var open = Report(ledger);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 11, 0, 0, TimeSpan.Zero), open.PeriodStart);
        Assert.Equal(3600, open.PeriodSeconds);
        Assert.Equal(20_000, open.Topics["room"].PeriodConnectionMs);
        Assert.Equal(30_000, open.Topics["room"].PreviousPeriodConnectionMs);
        Assert.Equal(50_000, open.Topics["room"].ConnectionMs);
        Assert.Equal(20_000, open.Tenants["acme"].PeriodConnectionMs);
        Assert.Equal(30_000, open.Totals.PreviousPeriodConnectionMs);

        time.Advance(TimeSpan.FromSeconds(20)); // 11:00:40
        ledger.Left("room", "acme", joined, ledger.NowMs());
        time.Advance(TimeSpan.FromMinutes(10));

        var closed = Report(ledger).Topics["room"];
        Assert.Equal(40_000, closed.PeriodConnectionMs);
        Assert.Equal(30_000, closed.PreviousPeriodConnectionMs);
        Assert.Equal(70_000, closed.ConnectionMs);
    }

    [Fact]
    public void Whole_periods_without_events_count_open_sessions_in_full()
    {
        var (ledger, time) = NewLedger();
        ledger.Joined("room", null, ledger.NowMs()); // 10:59:00
        time.Advance(new TimeSpan(2, 16, 0)); // 13:15:00

        var room = Report(ledger).Topics["room"];
        Assert.Equal(15 * 60_000, room.PeriodConnectionMs);
        Assert.Equal(60 * 60_000, room.PreviousPeriodConnectionMs);
        Assert.Equal(136 * 60_000, room.ConnectionMs);
        Assert.Equal(1, room.PeriodPeakConcurrent);
        Assert.Equal(1, room.PreviousPeriodPeakConcurrent);
    }

    [Fact]
    public void Events_stamped_before_a_boundary_but_applied_after_it_land_in_the_right_period()
    {
        var (ledger, time) = NewLedger();
        var boundary = StartMs + 60_000; // 11:00:00
        ledger.Joined("room", null, boundary - 20_000);
        // Another socket's event rolls the account into the new period first...
        ledger.Joined("room", null, boundary + 1_000);
        // ...then a join and a leave stamped before the boundary arrive.
        ledger.Joined("room", null, boundary - 3_000);
        ledger.Left("room", null, boundary - 20_000, boundary - 500);
        time.Advance(TimeSpan.FromSeconds(65)); // 11:00:05

        var room = Report(ledger).Topics["room"];
        // Previous: 19.5 s of the first session, 3 s of the late join. Current: 4 s and 5 s.
        Assert.Equal(19_500 + 3_000, room.PreviousPeriodConnectionMs);
        Assert.Equal(4_000 + 5_000, room.PeriodConnectionMs);
        Assert.Equal(19_500 + 4_000 + 8_000, room.ConnectionMs);
    }

    [Fact]
    public void Period_figures_match_a_session_by_session_oracle_under_jittered_event_order()
    {
        var (ledger, time) = NewLedger(o => o.Period = TimeSpan.FromSeconds(10));
        var random = new Random(42);
        var sessions = new List<(long Join, long? Leave)>();
        var events = new List<(long ApplyAt, long Stamp, int Session, bool Join)>();
        for (var i = 0; i < 3_000; i++)
        {
            var join = StartMs + random.Next(0, 85_000);
            long? leave = random.Next(4) == 0 ? null : join + random.Next(0, 25_000);
            if (leave > StartMs + 86_000)
            {
                leave = null;
            }

            sessions.Add((join, leave));
            // Applied up to a second after being stamped, so stamps arrive out of order around boundaries.
            events.Add((join + random.Next(0, 1_000), join, i, true));
            if (leave is { } l)
            {
                events.Add((l + 1_000 + random.Next(0, 1_000), l, i, false));
            }
        }

        foreach (var e in events.OrderBy(e => e.ApplyAt))
        {
            if (e.Join)
            {
                ledger.Joined("room", null, e.Stamp);
            }
            else
            {
                ledger.Left("room", null, sessions[e.Session].Join, e.Stamp);
            }
        }

        // 11:00:27.3: the current 10 s period began at 11:00:20.
        var now = StartMs + 87_300;
        time.Advance(TimeSpan.FromMilliseconds(now - StartMs));
        var room = Report(ledger).Topics["room"];

        var periodStart = UsageLedger.PeriodStart(now, 10_000);
        long Overlap(long from, long to) => sessions.Sum(s => Math.Max(0, Math.Min(s.Leave ?? now, to) - Math.Max(s.Join, from)));
        Assert.Equal(Overlap(long.MinValue, now), room.ConnectionMs);
        Assert.Equal(Overlap(periodStart, now), room.PeriodConnectionMs);
        Assert.Equal(Overlap(periodStart - 10_000, periodStart), room.PreviousPeriodConnectionMs);
        Assert.Equal(sessions.Count(s => s.Leave is null), room.Open);
    }

    [Fact]
    public void Joins_and_leaves_per_minute_cover_the_last_six_ten_second_buckets()
    {
        var (ledger, time) = NewLedger();
        for (var i = 0; i < 5; i++)
        {
            var joined = ledger.NowMs();
            ledger.Joined("room", null, joined);
            ledger.Joined("other", null, joined);
            time.Advance(TimeSpan.FromSeconds(1));
            ledger.Left("room", null, joined, ledger.NowMs());
        }

        var report = Report(ledger);
        Assert.Equal(5, report.Topics["room"].JoinsPerMinute);
        Assert.Equal(5, report.Topics["room"].LeavesPerMinute);
        Assert.Equal(5, report.Topics["other"].JoinsPerMinute);
        Assert.Equal(0, report.Topics["other"].LeavesPerMinute);
        Assert.Equal(10, report.Totals.JoinsPerMinute);
        Assert.Equal(5, report.Totals.LeavesPerMinute);

        time.Advance(TimeSpan.FromSeconds(61));
        report = Report(ledger);
        Assert.Equal(0, report.Topics["room"].JoinsPerMinute);
        Assert.Equal(0, report.Totals.LeavesPerMinute);
        Assert.Equal(10, report.Totals.Joins);
    }

    [Fact]
    public void Session_samples_are_bounded_per_topic_and_per_node_and_leave_the_window()
    {
        var (ledger, time) = NewLedger(o =>
        {
            o.TopicSessionSamples = 4;
            o.NodeSessionSamples = 6;
            o.SessionWindow = TimeSpan.FromMinutes(1);
        });
        var t0 = ledger.NowMs();
        for (var i = 1; i <= 8; i++)
        {
            ledger.Joined("room", null, t0);
            ledger.Left("room", null, t0, t0 + (i * 1_000));
        }

        time.Advance(TimeSpan.FromSeconds(10));
        var report = Report(ledger);
        Assert.Equal(new long[] { 5_000, 6_000, 7_000, 8_000 }, report.Topics["room"].SessionSamplesMs!.Order());
        Assert.Equal(new long[] { 3_000, 4_000, 5_000, 6_000, 7_000, 8_000 }, report.Totals.SessionSamplesMs!.Order());

        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(Report(ledger).Topics["room"].SessionSamplesMs!);
        Assert.Empty(Report(ledger).Totals.SessionSamplesMs!);
    }

    [Fact]
    public void Peaks_are_exact_per_tenant_and_per_node_and_restart_each_period()
    {
        var (ledger, time) = NewLedger();
        var t0 = ledger.NowMs();
        ledger.Joined("a", "acme", t0);
        ledger.Joined("b", "acme", t0);
        ledger.Joined("c", "acme", t0);
        ledger.Left("b", "acme", t0, t0 + 100);
        ledger.Left("c", "acme", t0, t0 + 100);
        ledger.Joined("d", "globex", t0 + 200);

        var before = Report(ledger);
        Assert.Equal(3, before.Tenants["acme"].PeakConcurrent);
        Assert.Equal(3, before.Tenants["acme"].PeriodPeakConcurrent);
        Assert.Equal(1, before.Tenants["globex"].PeakConcurrent);
        Assert.Equal(3, before.Totals.PeakConcurrent);
        Assert.Equal(3, before.Totals.PeriodPeakConcurrent);

        time.Advance(TimeSpan.FromMinutes(2)); // into the next hour; nothing happened at the boundary
        var after = Report(ledger);
        Assert.Equal(3, after.Tenants["acme"].PeakConcurrent);
        Assert.Equal(1, after.Tenants["acme"].PeriodPeakConcurrent);
        Assert.Equal(3, after.Tenants["acme"].PreviousPeriodPeakConcurrent);
        // The node held 2 since the boundary; 3 was its most in the hour before.
        Assert.Equal(2, after.Totals.PeriodPeakConcurrent);
        Assert.Equal(3, after.Totals.PreviousPeriodPeakConcurrent);

        ledger.Joined("e", "acme", ledger.NowMs());
        var joined = Report(ledger);
        Assert.Equal(2, joined.Tenants["acme"].PeriodPeakConcurrent);
        Assert.Equal(3, joined.Totals.PeriodPeakConcurrent);
        Assert.Equal(3, joined.Totals.PreviousPeriodPeakConcurrent);
        Assert.Equal(3, joined.Totals.PeakConcurrent);
    }

    [Fact]
    public void Prefix_filters_topics_and_limit_keeps_the_most_used_this_period()
    {
        var (ledger, time) = NewLedger();
        var t0 = ledger.NowMs();
        ledger.Joined("a:small", "t1", t0 + 5_000);
        ledger.Joined("a:big", "t2", t0);
        ledger.Joined("a:big", "t2", t0);
        ledger.Joined("b:other", "t3", t0);
        time.Advance(TimeSpan.FromSeconds(10));

        var report = Report(ledger, new UsageQuery("a:", 1));
        Assert.Equal(["a:big"], report.Topics.Keys);
        Assert.Equal(2, report.TopicsMatched);
        Assert.Equal(["t2"], report.Tenants.Keys);
        Assert.Equal(3, report.TenantsMatched);
        Assert.Equal(35_000, report.Totals.ConnectionMs);
    }

    [Fact]
    public void Sweep_forgets_long_idle_topics_and_keeps_their_time_in_the_node_totals()
    {
        var (ledger, time) = NewLedger();
        var t0 = ledger.NowMs();
        ledger.Joined("gone", "acme", t0);
        ledger.Left("gone", "acme", t0, t0 + 7_000);
        ledger.Joined("kept", null, t0);

        time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, ledger.Sweep());

        time.Advance(TimeSpan.FromHours(2));
        Assert.Equal(2, ledger.Sweep());
        var report = Report(ledger);
        Assert.Equal(["kept"], report.Topics.Keys);
        Assert.Empty(report.Tenants);
        Assert.Equal(2, report.Forgotten);
        Assert.Equal(7_000 + (long)TimeSpan.FromMinutes(150).TotalMilliseconds, report.Totals.ConnectionMs);
        Assert.Equal(2, report.Totals.Joins);

        // It comes back counting from zero.
        var back = ledger.NowMs();
        ledger.Joined("gone", null, back);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1_000, Report(ledger).Topics["gone"].ConnectionMs);
    }

    [Fact]
    public async Task Concurrent_joins_and_leaves_from_many_threads_lose_nothing()
    {
        var (ledger, time) = NewLedger();
        const int threads = 8, pairs = 20_000;
        var t0 = ledger.NowMs();
        await Task.WhenAll(Enumerable.Range(0, threads).Select(thread => Task.Run(() =>
        {
            for (var i = 0; i < pairs; i++)
            {
                var topic = $"room:{i % 16}";
                var tenant = i % 2 == 0 ? "acme" : null;
                var joined = t0 + (i % 1_000);
                ledger.Joined(topic, tenant, joined);
                ledger.Left(topic, tenant, joined, joined + 10);
            }

            // One membership per thread stays open.
            ledger.Joined("open", "acme", t0);
        })));

        time.Advance(TimeSpan.FromSeconds(2));
        var report = Report(ledger);
        Assert.Equal(threads * pairs * 10L + (threads * 2_000L), report.Totals.ConnectionMs);
        Assert.Equal((threads * pairs) + threads, report.Totals.Joins);
        Assert.Equal(threads * pairs, report.Totals.Leaves);
        Assert.Equal(threads, report.Totals.Open);
        Assert.Equal(threads * pairs / 16 * 10L, report.Topics["room:3"].ConnectionMs);
        Assert.Equal((threads * pairs / 2 * 10L) + (threads * 2_000L), report.Tenants["acme"].ConnectionMs);
        Assert.Equal(threads, report.Tenants["acme"].Open);
    }

    [Fact]
    public async Task Sweeps_racing_joins_and_leaves_never_lose_a_topic_entry_or_its_time()
    {
        var (ledger, time) = NewLedger();
        const int threads = 4, minPairs = 20_000, minSweeps = 200;
        using var stop = new CancellationTokenSource();
        var sweeps = 0;
        long pairs = 0;
        // Hours pass between sweeps, so accounts retire and entries go while the workers keep coming back.
        var sweeper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                time.Advance(TimeSpan.FromHours(3));
                ledger.Sweep();
                Interlocked.Increment(ref sweeps);
            }
        });

        await Task.WhenAll(Enumerable.Range(0, threads).Select(thread => Task.Run(() =>
        {
            for (var i = 0; i < minPairs || Volatile.Read(ref sweeps) < minSweeps; i++)
            {
                var topic = $"room:{i % 4}";
                var joined = ledger.NowMs();
                ledger.Joined(topic, "acme", joined);
                ledger.Left(topic, "acme", joined, joined + 10);
                Interlocked.Increment(ref pairs);
            }
        })));
        stop.Cancel();
        await sweeper;

        var report = Report(ledger);
        Assert.Equal(pairs, report.Totals.Joins);
        Assert.Equal(pairs, report.Totals.Leaves);
        Assert.Equal(pairs * 10, report.Totals.ConnectionMs);
        Assert.Equal(0, report.Totals.Open);
        Assert.Equal(0, ledger.Members);
    }

    [Fact]
    public void Period_must_be_whole_seconds_that_divide_a_day()
    {
        Assert.Throws<OptionsValidationException>(() => NewLedger(o => o.Period = TimeSpan.FromMinutes(7)));
        Assert.Throws<OptionsValidationException>(() => NewLedger(o => o.Period = TimeSpan.FromMilliseconds(1500)));
        Assert.Throws<OptionsValidationException>(() => NewLedger(o => o.Period = TimeSpan.FromDays(2)));
        NewLedger(o => o.Period = TimeSpan.FromMinutes(15));
    }

    [Fact]
    public void A_reply_over_the_payload_budget_is_halved_until_it_fits_and_says_truncated()
    {
        var (ledger, time) = NewLedger();
        for (var i = 0; i < 200; i++)
        {
            ledger.Joined($"topic-with-a-long-name-{i:D4}-{new string('x', 100)}", null, ledger.NowMs() - i);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        var report = Report(ledger);
        var full = UsageReportResponder.Serialize(report, 1024 * 1024);
        var cut = UsageReportResponder.Serialize(report, 16 * 1024);

        Assert.False(System.Text.Json.JsonSerializer.Deserialize(full, ClusterJsonContext.Default.UsageReport)!.Truncated);
        var parsed = System.Text.Json.JsonSerializer.Deserialize(cut, ClusterJsonContext.Default.UsageReport)!;
        Assert.True(cut.Length <= 12 * 1024);
        Assert.True(parsed.Truncated);
        Assert.InRange(parsed.Topics.Count, 1, 199);
        Assert.Equal(200, parsed.TopicsMatched);
        // The longest-held topics stay.
        Assert.Contains("topic-with-a-long-name-0199-" + new string('x', 100), parsed.Topics.Keys);
    }

    /// <summary>
    /// The ledger as the node runs it: memberships counted in a topic table and told to the ledger as its observer,
    /// begun and ended by topic name (any held membership of a topic stands for another).
    /// </summary>
    internal sealed class LedgerOnTable
    {
        private readonly TopicTable _topics = new();
        private readonly ConcurrentDictionary<string, ConcurrentStack<TopicMembership>> _held = new();

        public LedgerOnTable(TimeProvider time, IOptions<UsageOptions> options) => Ledger = new UsageLedger(_topics, time, options);

        public UsageLedger Ledger { get; }

        public long NowMs() => Ledger.NowMs();

        public int Sweep() => Ledger.Sweep();

        /// <summary>Memberships the table counts.</summary>
        public long Members => _topics.TotalMemberships;

        public void Joined(string topic, string? tenant, long atMs)
        {
            var membership = _topics.Join(topic);
            Ledger.Began(new MembershipEvent(membership.Entry!, new JoinGrant(tenant, null), atMs));
            _held.GetOrAdd(topic, _ => new()).Push(membership);
        }

        public void Left(string topic, string? tenant, long joinedAtMs, long atMs)
        {
            Assert.True(_held[topic].TryPop(out var membership));
            Ledger.Ended(new MembershipEvent(membership.Entry!, new JoinGrant(tenant, null), joinedAtMs), atMs);
            _topics.Leave(membership);
        }
    }

    /// <summary>A clock the test moves by hand: wall time and the monotonic timestamp move together.</summary>
    internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
