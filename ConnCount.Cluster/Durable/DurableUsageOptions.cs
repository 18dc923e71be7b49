using System.ComponentModel.DataAnnotations;

namespace ConnCount.Cluster.Durable;

/// <summary>Durable usage in NATS JetStream: how nodes write it and how long it is kept. Section <c>ConnCount:Usage:Durable</c>.</summary>
public sealed class DurableUsageOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:Usage:Durable";

    /// <summary>Whether nodes write usage records and the StatsApi reads and closes periods. Every node of a cluster must agree.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How often a node writes one record (every period it touched since the last one, in as many messages as the
    /// payload limit needs): the write traffic per node, whatever the join rate. At most half the usage period.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long records are kept in the stream. Closed periods, in the key-value bucket, are kept until wiped.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "400.00:00:00")]
    public TimeSpan RecordRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// While JetStream cannot be written, a node keeps its unwritten figures in memory, one entry per period and topic
    /// (or tenant); past this many it drops the oldest period's and logs an error.
    /// </summary>
    [Range(1_000, 100_000_000)]
    public int MaxBufferedEntries { get; set; } = 1_000_000;

    /// <summary>
    /// A period closes once every node incarnation the directory knows has written a record this long past the
    /// period's end (so late-stamped joins and leaves are in), and the incarnations it no longer knows are final.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan CloseGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The interval a node writes at: <see cref="FlushInterval"/>, but at most half of <paramref name="period"/>, so no period boundary is skipped.</summary>
    public TimeSpan EffectiveFlushInterval(TimeSpan period) => FlushInterval < period / 2 ? FlushInterval : period / 2;
}
