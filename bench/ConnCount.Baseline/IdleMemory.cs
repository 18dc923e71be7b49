using System.Diagnostics;

namespace ConnCount.Baseline;

/// <summary>The working set once the server is up and before any socket, the reference for per-socket growth.</summary>
internal sealed class IdleMemory
{
    private long _workingSet;

    public long WorkingSet => Volatile.Read(ref _workingSet);

    public void Capture()
    {
        using var process = Process.GetCurrentProcess();
        Volatile.Write(ref _workingSet, process.WorkingSet64);
    }
}
