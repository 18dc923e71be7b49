using System.Runtime.InteropServices;

namespace ConnCount.ServiceDefaults.Buffers;

/// <summary>
/// Gives a range of pages back to the operating system while keeping the addresses: Linux <c>madvise(MADV_DONTNEED)</c>.
/// The next touch of a released page maps a fresh zeroed one, so the memory is reusable as it is. Supported where
/// the page is the pool's block size (4 KB), so a block is whole pages.
/// </summary>
internal static partial class PageRelease
{
    private const int MadviseDontNeed = 4;

    public static bool IsSupported { get; } = OperatingSystem.IsLinux() && Environment.SystemPageSize == ReleasingMemoryPool.BlockSize;

    /// <summary>Releases <paramref name="length"/> bytes from the page-aligned <paramref name="address"/>; false if the kernel refused.</summary>
    public static bool Release(nint address, int length) => Madvise(address, (nuint)length, MadviseDontNeed) == 0;

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);
}
