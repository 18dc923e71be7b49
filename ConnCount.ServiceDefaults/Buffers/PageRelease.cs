using System.Runtime.InteropServices;

namespace ConnCount.ServiceDefaults.Buffers;

/// <summary>
/// Gives a range of pages back to the operating system while keeping the addresses: Linux <c>madvise(MADV_DONTNEED)</c>.
/// The next touch of a released page maps a fresh zeroed one, so the memory is reusable as it is. Supported where
/// the page is the pool's block size (4 KB), so a block is whole pages, and where <c>madvise</c> is found in the
/// process (glibc or musl, looked up among the symbols already loaded: no library name to guess, and no failure at the
/// first release if it is missing; the pool is then not used at all).
/// </summary>
internal static unsafe class PageRelease
{
    private const int MadviseDontNeed = 4;

    private static readonly delegate* unmanaged<nint, nuint, int, int> Madvise = Resolve();

    public static bool IsSupported { get; } = Madvise != null && Environment.SystemPageSize == ReleasingMemoryPool.BlockSize;

    /// <summary>Releases <paramref name="length"/> bytes from the page-aligned <paramref name="address"/>; false if the kernel refused.</summary>
    public static bool Release(nint address, int length) => Madvise(address, (nuint)length, MadviseDontNeed) == 0;

    private static delegate* unmanaged<nint, nuint, int, int> Resolve()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        // The host links the C library, so its symbols are in the process's global scope.
        if (NativeLibrary.TryGetExport(NativeLibrary.GetMainProgramHandle(), "madvise", out var address)
            || (NativeLibrary.TryLoad("libc.so.6", out var libc) && NativeLibrary.TryGetExport(libc, "madvise", out address)))
        {
            return (delegate* unmanaged<nint, nuint, int, int>)address;
        }

        return null;
    }
}
