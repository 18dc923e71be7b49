using System.ComponentModel.DataAnnotations;

namespace ConnCount.SocketNode.Usage;

/// <summary>Windows, periods and sample bounds of the usage ledger. Section <c>ConnCount:Usage</c>.</summary>
public sealed class UsageOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Usage";

    /// <summary>
    /// The reporting period of <c>period</c> and <c>previous_period</c>, aligned to UTC (whole periods since
    /// 1970-01-01T00:00Z). Whole seconds, from 1 s to 1 day; a day must hold a whole number of periods so
    /// every period starts at the same clock time each day.
    /// </summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Session lengths (median, p95) are taken from sessions that ended this recently.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SessionWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The node keeps the lengths of its last this-many ended sessions (any topic).</summary>
    [Range(1, 1 << 20)]
    public int NodeSessionSamples { get; set; } = 4096;

    /// <summary>Each topic keeps the lengths of its last this-many ended sessions.</summary>
    [Range(1, 4096)]
    public int TopicSessionSamples { get; set; } = 32;

    /// <summary>How often topics and tenants long idle are folded into the node's forgotten totals.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>True when <see cref="Period"/> is whole seconds, 1 s to 1 day, and divides a day.</summary>
    public bool HasValidPeriod =>
        Period >= TimeSpan.FromSeconds(1)
        && Period <= TimeSpan.FromDays(1)
        && Period.Ticks % TimeSpan.TicksPerSecond == 0
        && TimeSpan.TicksPerDay % Period.Ticks == 0;
}
