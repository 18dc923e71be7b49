using System.Diagnostics;

namespace ConnCount.LoadGen.Reporting;

/// <summary>Working set and live managed heap at one moment; the live heap is read after a full collection.</summary>
internal readonly record struct ProcessMemory(long WorkingSetBytes, long LiveHeapBytes)
{
    /// <summary>Forces a full GC: call it only where a pause does not disturb the workload (before it, after it).</summary>
    public static ProcessMemory Capture()
    {
        var liveHeap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return new ProcessMemory(process.WorkingSet64, liveHeap);
    }
}
