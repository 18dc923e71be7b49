using System.Collections.Concurrent;
using ConnCount.Cluster.Aggregation;
using ConnCount.Cluster.Contracts;
using ConnCount.SocketNode.Memberships;
using Microsoft.Extensions.Options;

namespace ConnCount.SocketNode.Usage;

/// <summary>
/// Connection time: connection-seconds, churn and session lengths per topic, per tenant and for the node. A
/// membership observer, so it hears of every membership start and end (the same place the counts change); read by
/// the usage report.
/// </summary>
/// <remarks>
/// Each topic and each tenant has its own <see cref="UsageAccount"/> with its own lock; a topic's account lives in
/// the topic's <see cref="TopicEntry"/> (no lookup of its own), a tenant's in the ledger. The node's figures are summed
/// over the topic accounts when a report is read, so no lock is shared by all sockets. Only the node's open count and
/// peaks, and the node's session ring, are shared, and those are lock-free.
/// </remarks>
public sealed class UsageLedger : IMembershipObserver
{
    private readonly TimeProvider _time;
    private readonly long _originMs;
    private readonly long _originTimestamp;
    private readonly long _periodMs;
    private readonly long _sessionWindowMs;
    private readonly int _topicSamples;
    private readonly TopicTable _topics;
    private readonly ConcurrentDictionary<string, UsageAccount> _tenants = new(StringComparer.Ordinal);
    private readonly SessionSampleRing _sessions;
    private readonly NodeConcurrency _concurrency;

    // Held by Report and Sweep (never by joins and leaves), so a report never sees a swept topic both in
    // the dictionary and in the forgotten figures, or in neither.
    private readonly Lock _sweepGate = new();

    // Lifetime figures of the topic accounts dropped by Sweep, so the node totals stay exact.
    private long _forgottenConnectionMs, _forgottenJoins, _forgottenLeaves, _forgotten;

    public UsageLedger(TopicTable topics, TimeProvider time, IOptions<UsageOptions> options)
    {
        _topics = topics;
        var o = options.Value;
        if (!o.HasValidPeriod)
        {
            throw new OptionsValidationException(UsageOptions.SectionName, typeof(UsageOptions), [PeriodRule]);
        }

        _time = time;
        _originMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        _originTimestamp = time.GetTimestamp();
        _periodMs = (long)o.Period.TotalMilliseconds;
        _sessionWindowMs = (long)o.SessionWindow.TotalMilliseconds;
        _topicSamples = o.TopicSessionSamples;
        _sessions = new SessionSampleRing(o.NodeSessionSamples, _originMs);
        _concurrency = new NodeConcurrency(_periodMs);
    }

    /// <summary>Why a period is refused.</summary>
    public const string PeriodRule = "ConnCount:Usage:Period is whole seconds, from 1 s to 1 day, and divides a day.";

    /// <summary>
    /// Now, in Unix milliseconds: the clock memberships are stamped with. The wall clock read once at start
    /// plus monotonic elapsed time, so a wall-clock step (NTP) never makes a session negative or shrinks an
    /// open one.
    /// </summary>
    public long NowMs() => _originMs + (long)_time.GetElapsedTime(_originTimestamp).TotalMilliseconds;

    /// <summary>The start of the period that holds <paramref name="atMs"/>: whole periods since the Unix epoch, so UTC-aligned.</summary>
    public static long PeriodStart(long atMs, long periodMs) => atMs - (((atMs % periodMs) + periodMs) % periodMs);

    /// <summary>A membership began: its topic's and its tenant's (if any) accounts count it from its join time.</summary>
    public void Began(in MembershipEvent membership)
    {
        var atMs = membership.JoinedAtMs;
        JoinTopic(membership.Entry, atMs);
        if (membership.Grant.Tenant is { Length: > 0 } tenant)
        {
            JoinTenant(tenant, atMs);
        }

        _concurrency.Joined(atMs);
    }

    /// <summary>A membership ended at <paramref name="endedAtMs"/>.</summary>
    public void Ended(in MembershipEvent membership, long endedAtMs)
    {
        // An account with a member is never retired, so the one the join used is still in its slot.
        membership.Entry.Usage?.Leave(membership.JoinedAtMs, endedAtMs);
        if (membership.Grant.Tenant is { Length: > 0 } tenant && _tenants.TryGetValue(tenant, out var tenantAccount))
        {
            tenantAccount.Leave(membership.JoinedAtMs, endedAtMs);
        }

        _concurrency.Left(endedAtMs);
        _sessions.Add(endedAtMs, endedAtMs - membership.JoinedAtMs);
    }

    /// <summary>This node's usage report for <paramref name="query"/>, as of now.</summary>
    public UsageReport Report(string node, DateTimeOffset startedAt, UsageQuery query)
    {
        var now = NowMs();
        var sessionsSince = now - _sessionWindowMs;

        var totals = new Sum();
        var matched = new List<KeyValuePair<string, UsageCounters>>();
        lock (_sweepGate)
        {
            foreach (var entry in _topics.Entries)
            {
                // A retired account's lifetime figures are in the forgotten ones already.
                if (entry.Usage is not { IsRetired: false } account)
                {
                    continue;
                }

                var counters = account.Read(now);
                totals.Add(counters);
                if (query.Matches(entry.Topic))
                {
                    matched.Add(KeyValuePair.Create(entry.Topic, counters));
                }
            }

            totals.AddForgotten(_forgottenConnectionMs, _forgottenJoins, _forgottenLeaves);
        }

        // Samples only for the topics that make the cut: the same counters, read once, so they add up to the totals.
        var topics = query.Top(matched, c => c.PeriodConnectionMs, c => c.ConnectionMs)
            .ToDictionary(
                t => t.Key,
                t => t.Value with { SessionSamplesMs = _topics.Find(t.Key)?.Usage?.ReadSessions(sessionsSince) ?? [] },
                StringComparer.Ordinal);

        var tenants = _tenants.Select(t => KeyValuePair.Create(t.Key, t.Value.Read(now))).ToList();
        var (peak, periodPeak, previousPeak) = _concurrency.Peaks(now);
        var nodeTotals = totals.ToCounters(peak, periodPeak, previousPeak, _sessions.Read(sessionsSince));

        return new UsageReport(
            node,
            startedAt,
            DateTimeOffset.FromUnixTimeMilliseconds(now),
            _periodMs / 1000,
            DateTimeOffset.FromUnixTimeMilliseconds(PeriodStart(now, _periodMs)),
            _sessionWindowMs / 1000,
            nodeTotals,
            topics,
            matched.Count,
            query.Top(tenants, c => c.PeriodConnectionMs, c => c.ConnectionMs).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            tenants.Count,
            Volatile.Read(ref _forgotten));
    }

    /// <summary>
    /// The period figures of every live topic and tenant account as of now, for durable usage. Retired accounts are
    /// left out: nothing they hold can change a period any more (they were idle for two whole periods).
    /// </summary>
    internal UsageSnapshot PeriodSnapshot()
    {
        var now = NowMs();
        var accounts = new List<AccountPeriods>();
        foreach (var entry in _topics.Entries)
        {
            if (entry.Usage is { IsRetired: false } account)
            {
                var counters = account.Read(now);
                accounts.Add(new AccountPeriods(new UsageKey(false, entry.Topic), counters.PeriodConnectionMs, counters.PreviousPeriodConnectionMs));
            }
        }

        foreach (var (tenant, account) in _tenants)
        {
            if (!account.IsRetired)
            {
                var counters = account.Read(now);
                accounts.Add(new AccountPeriods(new UsageKey(true, tenant), counters.PeriodConnectionMs, counters.PreviousPeriodConnectionMs));
            }
        }

        return new UsageSnapshot(now, PeriodStart(now, _periodMs), accounts);
    }

    /// <summary>
    /// Retires the accounts of topics and tenants that have had no member and no event for two whole periods (and the
    /// windows): their period figures are zero for good. A topic's lifetime figures move to the node totals,
    /// so those stay exact; the topic itself starts from zero if it comes back. Then the topic table's sweep removes
    /// the entries nothing needs any more.
    /// </summary>
    public int Sweep()
    {
        var now = NowMs();
        var windowMs = Math.Max(_sessionWindowMs, ChurnWindow.Buckets * ChurnWindow.BucketMs);
        var dropped = 0;
        lock (_sweepGate)
        {
            foreach (var entry in _topics.Entries)
            {
                if (entry.Usage is { IsRetired: false } account && account.TryRetire(now, windowMs, out var lifetime))
                {
                    _forgottenConnectionMs += lifetime.ConnectionMs;
                    _forgottenJoins += lifetime.Joins;
                    _forgottenLeaves += lifetime.Leaves;
                    dropped++;
                }
            }

            foreach (var (tenant, account) in _tenants)
            {
                if (account.TryRetire(now, windowMs, out _))
                {
                    _tenants.TryRemove(KeyValuePair.Create(tenant, account));
                    dropped++;
                }
            }

            Volatile.Write(ref _forgotten, _forgotten + dropped);
        }

        _topics.RemoveEmptyTopics();
        return dropped;
    }

    private void JoinTopic(TopicEntry entry, long atMs)
    {
        while (true)
        {
            var account = Volatile.Read(ref entry.Usage);
            if (account is null or { IsRetired: true })
            {
                // No account yet, or one a sweep retired (its figures are the node's now): start a fresh one.
                var fresh = NewAccount(atMs, _topicSamples);
                if (Interlocked.CompareExchange(ref entry.Usage, fresh, account) != account)
                {
                    continue;
                }

                account = fresh;
            }

            if (account.TryJoin(atMs))
            {
                return;
            }
        }
    }

    private void JoinTenant(string tenant, long atMs)
    {
        while (true)
        {
            var account = _tenants.GetOrAdd(tenant, static (_, s) => s.Ledger.NewAccount(s.AtMs, 0), (Ledger: this, AtMs: atMs));
            if (account.TryJoin(atMs))
            {
                return;
            }

            // Retired by a sweep that is removing it: the next GetOrAdd finds it gone and creates a fresh one.
            Thread.Yield();
        }
    }

    private UsageAccount NewAccount(long atMs, int samples) =>
        new(_periodMs, atMs, samples > 0 ? new SessionSampleRing(samples, _originMs) : null);

    /// <summary>Sums topic accounts into the node's totals.</summary>
    private sealed class Sum
    {
        private long _open, _connectionMs, _joins, _leaves, _periodMs, _previousMs, _joinsPerMinute, _leavesPerMinute;

        public void Add(UsageCounters c)
        {
            _open += c.Open;
            _connectionMs += c.ConnectionMs;
            _joins += c.Joins;
            _leaves += c.Leaves;
            _periodMs += c.PeriodConnectionMs;
            _previousMs += c.PreviousPeriodConnectionMs;
            _joinsPerMinute += c.JoinsPerMinute;
            _leavesPerMinute += c.LeavesPerMinute;
        }

        /// <summary>Adds the lifetime figures of swept topics (nothing of theirs is in a period or a window).</summary>
        public void AddForgotten(long connectionMs, long joins, long leaves)
        {
            _connectionMs += connectionMs;
            _joins += joins;
            _leaves += leaves;
        }

        public UsageCounters ToCounters(long peak, long periodPeak, long previousPeak, IReadOnlyList<long> sessions) =>
            new(_open, _connectionMs, _joins, _leaves, peak, _periodMs, periodPeak, _previousMs, previousPeak, _joinsPerMinute, _leavesPerMinute, sessions);
    }
}
