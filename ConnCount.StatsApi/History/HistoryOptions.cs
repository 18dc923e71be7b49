using System.ComponentModel.DataAnnotations;

namespace ConnCount.StatsApi.History;

/// <summary>The cluster history: one sample of the cluster's figures per interval, kept in JetStream. Section <c>ConnCount:History</c>.</summary>
public sealed class HistoryOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "ConnCount:History";

    /// <summary>Whether the StatsApi records samples (reading stays available either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often a sample is taken, aligned to UTC (a sample at every whole minute by default).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long samples are kept; JetStream removes older ones.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "400.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Tenants per sample, the most open connections first.</summary>
    [Range(0, 1000)]
    public int MaxTenants { get; set; } = 50;
}
