using ConnCount.Cluster.Contracts;

namespace ConnCount.SocketNode.Usage;

/// <summary>
/// The exact usage of one topic or one tenant on this node, behind a lock of its own so sockets of
/// different keys never contend.
/// </summary>
/// <remarks>
/// Connection time is never summed session by session while sessions are open: the account keeps the
/// closed milliseconds, the number of open sessions and the sum of their join times, so the open part up
/// to any instant <c>now</c> is <c>open × now − Σ joinedAt</c>. The current period keeps the same three
/// with each open session's start clamped to the period start (<c>Σ max(joinedAt, periodStart)</c>); it
/// rolls lazily, under the lock, on the first event or read after a boundary, closing the period at its
/// exact end. Timestamps are taken before the lock, so an event stamped just before a boundary may arrive
/// just after the roll; it corrects the previous period by the difference.
/// </remarks>
internal sealed class UsageAccount
{
    private readonly Lock _gate = new();
    private readonly long _periodMs;
    private readonly ChurnWindow _churn = new();
    private readonly SessionSampleRing? _sessions;

    private long _open, _sumJoinedAt, _closedMs, _joins, _leaves, _peak;
    private long _periodStart, _periodClosedMs, _sumPeriodJoinedAt, _periodPeak;
    private long _previousMs, _previousPeak;
    private long _lastEventAt;
    private bool _retired;

    public UsageAccount(long periodMs, long createdAtMs, SessionSampleRing? sessions)
    {
        _periodMs = periodMs;
        _periodStart = UsageLedger.PeriodStart(createdAtMs, periodMs);
        _lastEventAt = createdAtMs;
        _sessions = sessions;
    }

    /// <summary>Whether a sweep retired the account: it counts nothing more, and its lifetime figures are the node's.</summary>
    public bool IsRetired => Volatile.Read(ref _retired);

    /// <summary>Records a membership that began at <paramref name="atMs"/>; false when the account was retired (take a fresh one).</summary>
    public bool TryJoin(long atMs)
    {
        lock (_gate)
        {
            if (_retired)
            {
                return false;
            }

            Roll(atMs);
            _open++;
            _joins++;
            _sumJoinedAt += atMs;
            _sumPeriodJoinedAt += Math.Max(atMs, _periodStart);
            if (atMs < _periodStart)
            {
                // Stamped before the boundary the account has already rolled past: the roll did not count it.
                _previousMs += _periodStart - Math.Max(atMs, _periodStart - _periodMs);
            }

            _peak = Math.Max(_peak, _open);
            _periodPeak = Math.Max(_periodPeak, _open);
            _churn.Joined(atMs);
            _lastEventAt = Math.Max(_lastEventAt, atMs);
            return true;
        }
    }

    /// <summary>Records the end, at <paramref name="atMs"/>, of a membership this account counted as begun at <paramref name="joinedAtMs"/>.</summary>
    public void Leave(long joinedAtMs, long atMs)
    {
        var length = Math.Max(0, atMs - joinedAtMs);
        lock (_gate)
        {
            Roll(atMs);
            _open--;
            _leaves++;
            _sumJoinedAt -= joinedAtMs;
            _closedMs += length;
            var countedFrom = Math.Max(joinedAtMs, _periodStart);
            _sumPeriodJoinedAt -= countedFrom;
            if (atMs >= countedFrom)
            {
                _periodClosedMs += atMs - countedFrom;
            }
            else if (atMs < _periodStart)
            {
                // Stamped before the boundary the account has already rolled past: the roll counted it open to the end.
                _previousMs -= _periodStart - Math.Max(atMs, _periodStart - _periodMs);
            }

            _churn.Left(atMs);
            _lastEventAt = Math.Max(_lastEventAt, atMs);
        }

        _sessions?.Add(atMs, length);
    }

    /// <summary>The account as of <paramref name="nowMs"/> (or its last event, if later), without session samples.</summary>
    public UsageCounters Read(long nowMs)
    {
        lock (_gate)
        {
            Roll(nowMs);
            var asOf = Math.Max(nowMs, _lastEventAt);
            var (joinsPerMinute, leavesPerMinute) = _churn.Read(asOf);
            return new UsageCounters(
                _open,
                _closedMs + (_open * asOf) - _sumJoinedAt,
                _joins,
                _leaves,
                _peak,
                _periodClosedMs + (_open * asOf) - _sumPeriodJoinedAt,
                _periodPeak,
                _previousMs,
                _previousPeak,
                joinsPerMinute,
                leavesPerMinute);
        }
    }

    /// <summary>The lengths of the kept sessions that ended since <paramref name="sinceMs"/>; null when the account keeps none.</summary>
    public List<long>? ReadSessions(long sinceMs) => _sessions?.Read(sinceMs);

    /// <summary>
    /// Retires the account if nothing it holds can still change a period figure or a window: no member, and
    /// no event since before the previous period and the windows. A retired account refuses joins, so its
    /// owner can drop it and fold its lifetime figures into the node's.
    /// </summary>
    public bool TryRetire(long nowMs, long windowMs, out UsageCounters lifetime)
    {
        lock (_gate)
        {
            Roll(nowMs);
            lifetime = new UsageCounters(0, _closedMs, _joins, _leaves, _peak, 0, 0, 0, 0, 0, 0);
            if (_open != 0 || _lastEventAt >= Math.Min(_periodStart - _periodMs, nowMs - windowMs))
            {
                return false;
            }

            _retired = true;
            return true;
        }
    }

    /// <summary>Closes the current period at its end when <paramref name="atMs"/> is past it.</summary>
    private void Roll(long atMs)
    {
        var start = UsageLedger.PeriodStart(atMs, _periodMs);
        if (start <= _periodStart)
        {
            return;
        }

        var end = _periodStart + _periodMs;
        if (start == end)
        {
            _previousMs = _periodClosedMs + (_open * end) - _sumPeriodJoinedAt;
            _previousPeak = _periodPeak;
        }
        else
        {
            // Whole periods passed without an event: whoever was open stayed open throughout.
            _previousMs = _open * _periodMs;
            _previousPeak = _open;
        }

        _periodStart = start;
        _periodClosedMs = 0;
        _sumPeriodJoinedAt = _open * start;
        _periodPeak = _open;
    }
}
