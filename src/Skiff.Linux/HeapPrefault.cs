using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>
/// Start-up help for skiff's short-lived processes. Every 4 KiB of fresh GC heap costs a page fault when an
/// allocation first touches it, and under a hypervisor a fault is a costly trap: a `create` parent allocates about
/// 0.7 MiB, its init about 0.4 MiB, some 250 faults in all. Instead the GC is asked to commit the memory up front
/// (a no-GC region: one collection of a heap of a few KiB, then no collection at all unless the process
/// allocates more, which ends the region by itself), and that committed memory is populated with one
/// madvise(MADV_POPULATE_WRITE) (Linux 5.14; ignored before). Only memory the GC itself committed is touched:
/// the range starts at a fresh object and the madvise stops at the first page that is not mapped writable.
/// </summary>
public static partial class HeapPrefault
{
    private const int MADV_POPULATE_WRITE = 23;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(nint addr, nint length, int advice);

    /// <summary>Commits and populates about <paramref name="bytes"/> of gen0 for what this process will allocate.</summary>
    public static void Run(int bytes)
    {
        if (!GC.TryStartNoGCRegion(bytes)) return;
        byte[] probe = new byte[1]; // in the allocation context the next objects come from
        nint at = Address(probe);
        nint start = (at + 4095) & ~(nint)4095;
        _ = madvise(start, bytes - (start - at), MADV_POPULATE_WRITE);
    }

    /// <summary>
    /// Collects once now and then holds collections off until <paramref name="bytes"/> more are allocated (a no-GC
    /// region, the one Run started ended first): for a process about to see files it must not read, which a
    /// collection would (Skiff.LibContainer's InitEntry: the image's /proc/meminfo). False when the runtime refuses
    /// that much.
    /// </summary>
    public static bool HoldOffCollections(long bytes)
    {
        if (System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.NoGCRegion)
        {
            try { GC.EndNoGCRegion(); }
            catch (InvalidOperationException) { } // ended already: allocations went past it
        }
        try
        {
            return GC.TryStartNoGCRegion(bytes);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static unsafe nint Address(byte[] array)
    {
        // the number only: nothing is written through it, and no collection can run meanwhile (no-GC region)
        return (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
    }
}
