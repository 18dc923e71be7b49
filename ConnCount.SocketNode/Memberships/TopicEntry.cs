using System.Diagnostics;
using System.Numerics;
using ConnCount.SocketNode.Spikes;
using ConnCount.SocketNode.Usage;

namespace ConnCount.SocketNode.Memberships;

/// <summary>
/// Everything this node keeps about one topic, in one place: its member count (<see cref="StripeCount"/> stripes of
/// units and a state that is 0 while joins may count here), its joins, and the slots the membership observers keep
/// their per-topic state in. The <see cref="TopicTable"/> creates and removes entries; observers reach an entry through
/// the membership that names it, never by a lookup of their own.
/// </summary>
/// <remarks>
/// The state is a number of freezes (a sweep's, or a leave's slow path) plus <see cref="DeadBit"/> once a sweep has found
/// the entry idle; joins only read it. Stripe <c>i</c> is element <c>(i + 1) × 16</c> of one array, its join count the next
/// element: every stripe is two cache lines from the next and from the array's header, which bounds checks read. Two,
/// not one: an array is aligned to 8 bytes, not 64, so a stripe's 16 bytes may straddle a line boundary, and at one line
/// apart the second half would share its line with the next stripe (the entry gaining one field moved the array by 8
/// bytes and doubled the time of two threads on one topic, 22 to 40 ns, in the registry benchmark).
/// </remarks>
public sealed class TopicEntry
{
    private const int MaxStripes = 8;
    private const int LongsPerStripe = 2 * TopicTable.CacheLine / sizeof(long);
    private const int DeadBit = 1 << 30;

    internal static readonly int StripeCount =
        (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, MaxStripes));

    internal static readonly int StripeMask = StripeCount - 1;

    private readonly long[] _lines = new long[(StripeCount + 1) * LongsPerStripe];
    private int _state;

    internal TopicEntry(string topic) => Topic = topic;

    public string Topic { get; }

    /// <summary>The topic's connection-time account (<see cref="UsageLedger"/>'s slot); null until its first membership.</summary>
    internal UsageAccount? Usage;

    /// <summary>The topic's join-rate detector and the join count it last sampled (<see cref="JoinRateMonitor"/>'s slot, its sampler's alone).</summary>
    internal SpikeDetector? Spikes;

    internal long SampledJoins;

    /// <summary>The topic's value of the metrics <c>topic</c> tag (<see cref="Node.SocketNodeMetrics"/>'s slot); null until first tagged.</summary>
    internal string? MetricTag;

    /// <summary>The topic's users on this node (<see cref="UserTally"/>'s slot); null until its first membership with a user.</summary>
    internal UserMultiset? Users;

    /// <summary>
    /// Whether nothing but the count still needs this entry: its account retired (or never made), its detector idle (or
    /// never made), no user left in its user slot.
    /// </summary>
    /// <remarks>
    /// Read by a sweep with the entry frozen (no join can count meanwhile). An account retires only after two whole
    /// usage periods without an event, far longer than a spike sample, so no join of a live account goes unsampled.
    /// The user slot is empty whenever the count is zero (<see cref="UserTally"/>'s remarks); checking it too means a
    /// user could never be lost with its entry, even by an unpaired end.
    /// </remarks>
    internal bool IsIdle =>
        Volatile.Read(ref Usage) is null or { IsRetired: true }
        && Volatile.Read(ref Spikes) is null or { Idle: true }
        && Volatile.Read(ref Users) is null or { IsEmpty: true };

    /// <summary>The sum of the stripes; never negative.</summary>
    internal long Count()
    {
        long sum = 0;
        for (var i = 0; i < StripeCount; i++)
        {
            sum += Volatile.Read(ref Stripe(i));
        }

        return sum;
    }

    /// <summary>Joins counted since the entry was created.</summary>
    internal long Joins()
    {
        long sum = 0;
        for (var i = 0; i < StripeCount; i++)
        {
            sum += Volatile.Read(ref JoinCount(i));
        }

        return sum;
    }

    /// <summary>Adds a unit to <paramref name="stripe"/>; false (and nothing counted) when the entry is frozen.</summary>
    internal bool TryJoin(int stripe)
    {
        // Add, then read the state: the add is a full fence, so either a sweep's freeze is seen here or this
        // unit is seen by the sweep's sum (see the class remarks of TopicTable).
        Interlocked.Increment(ref Stripe(stripe));
        if (Volatile.Read(ref _state) == 0)
        {
            // Same cache line as the unit just added: counting the join costs no other line.
            Interlocked.Increment(ref JoinCount(stripe));
            return true;
        }

        // Take a unit back, from this stripe first: a sweep's proof of emptiness relies on it.
        var undone = TryTake(stripe);
        Debug.Assert(undone, "A unit just added is always there to take back.");
        return false;
    }

    /// <summary>
    /// Takes one unit, from <paramref name="preferred"/> first, then from any stripe that has one; false, and nothing
    /// changed, when no stripe has one.
    /// </summary>
    /// <remarks>
    /// A pass over the stripes is not a snapshot: while joins are counted, a unit may be added to a stripe behind the
    /// pass and another taken ahead of it. So before concluding "none", the pass is repeated with the entry frozen:
    /// no join counts then, and a pass that finds every stripe empty proves there is no unit to take.
    /// </remarks>
    internal bool TryTake(int preferred)
    {
        if (TryTakeOnePass(preferred))
        {
            return true;
        }

        Interlocked.Increment(ref _state);
        try
        {
            return TryTakeOnePass(preferred);
        }
        finally
        {
            Interlocked.Decrement(ref _state);
        }
    }

    /// <summary>
    /// Marks the entry dead if it has no unit and is otherwise <see cref="IsIdle"/>; true when it is dead (the caller
    /// then removes it).
    /// </summary>
    internal bool TryRetireIfIdle()
    {
        // An entry with members is left alone without writing its state, which every join reads.
        if (Count() != 0 || !IsIdle)
        {
            return false;
        }

        Interlocked.Increment(ref _state);
        if (Count() == 0 && IsIdle)
        {
            // This freeze is never lifted: a dead entry counts no join again.
            Interlocked.Or(ref _state, DeadBit);
            return true;
        }

        Interlocked.Decrement(ref _state);
        return false;
    }

    private bool TryTakeOnePass(int preferred)
    {
        for (var i = 0; i < StripeCount; i++)
        {
            ref var cell = ref Stripe((preferred + i) & StripeMask);
            var value = Volatile.Read(ref cell);
            while (value > 0)
            {
                var seen = Interlocked.CompareExchange(ref cell, value - 1, value);
                if (seen == value)
                {
                    return true;
                }

                value = seen;
            }
        }

        return false;
    }

    private ref long Stripe(int stripe) => ref _lines[(stripe + 1) * LongsPerStripe];

    private ref long JoinCount(int stripe) => ref _lines[((stripe + 1) * LongsPerStripe) + 1];
}

/// <summary>
/// One membership counted by <see cref="TopicTable.Join"/>. Keep it and pass it, once, to
/// <see cref="TopicTable.Leave(TopicMembership)"/>: that leave goes straight to the stripe the join counted in.
/// </summary>
public readonly record struct TopicMembership
{
    internal TopicMembership(TopicEntry entry, int stripe)
    {
        Entry = entry;
        Stripe = stripe;
    }

    /// <summary>The topic joined; null for the default value, which is no membership.</summary>
    public string? Topic => Entry?.Topic;

    /// <summary>The topic's entry; null for the default value.</summary>
    public TopicEntry? Entry { get; }

    internal int Stripe { get; }
}
