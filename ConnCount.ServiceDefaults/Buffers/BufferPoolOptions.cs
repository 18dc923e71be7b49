namespace ConnCount.ServiceDefaults.Buffers;

/// <summary>Kestrel's buffer pool (<c>ConnCount:Buffers</c>), see <see cref="ReleasingMemoryPool"/>.</summary>
public sealed class BufferPoolOptions
{
    public const string Section = "ConnCount:Buffers";

    /// <summary>
    /// Give the pages of unused buffers back to the operating system (Linux). Off: Kestrel's own pool, which keeps
    /// what a burst needed and evicts about 1 % of it every 10 s.
    /// </summary>
    public bool ReleaseIdle { get; set; } = true;

    /// <summary>How often half of the buffers unused for the whole period are released.</summary>
    public TimeSpan ReleasePeriod { get; set; } = TimeSpan.FromSeconds(1);
}
