using System.Diagnostics;
using System.Runtime;

namespace ConnCount.Baseline;

/// <summary>The process's memory next to its open socket count, and the growth per socket over the idle process.</summary>
internal sealed record MemorySnapshot(
    long OpenSockets,
    long AcceptedSockets,
    long WorkingSetBytes,
    long PrivateBytes,
    long GcHeapBytes,
    long GcCommittedBytes,
    long IdleWorkingSetBytes,
    double WorkingSetBytesPerSocket,
    bool ServerGc)
{
    public static MemorySnapshot Capture(SocketGauge gauge, long idleWorkingSet)
    {
        using var process = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        var open = gauge.Open;
        return new MemorySnapshot(
            open,
            gauge.Accepted,
            process.WorkingSet64,
            process.PrivateMemorySize64,
            GC.GetTotalMemory(forceFullCollection: false),
            gc.TotalCommittedBytes,
            idleWorkingSet,
            open > 0 ? Math.Round((process.WorkingSet64 - idleWorkingSet) / (double)open, 0) : 0,
            GCSettings.IsServerGC);
    }

    public string ToLine() =>
        $"open={OpenSockets} accepted={AcceptedSockets} working_set={WorkingSetBytes / 1048576.0:F1}MiB gc_heap={GcHeapBytes / 1048576.0:F1}MiB per_socket={WorkingSetBytesPerSocket / 1024:F2}KiB";
}
