using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>CPU affinity: sched_setaffinity/sched_getaffinity with a fixed 1024-cpu mask (glibc's cpu_set_t).</summary>
public static unsafe partial class Libc
{
    /// <summary>Bytes in a cpu_set_t (CPU_SETSIZE 1024 bits).</summary>
    public const int CpuSetBytes = 128;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint cpusetsize, byte* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint cpusetsize, byte* mask);

    /// <summary>Sets the affinity of <paramref name="pid"/> (0: the calling thread) to <paramref name="cpus"/>.</summary>
    public static void SetAffinity(int pid, IEnumerable<int> cpus)
    {
        byte* mask = stackalloc byte[CpuSetBytes];
        new Span<byte>(mask, CpuSetBytes).Clear();
        foreach (int cpu in cpus)
        {
            if (cpu < 0 || cpu >= CpuSetBytes * 8) throw new ArgumentOutOfRangeException(nameof(cpus), $"cpu {cpu} out of range");
            mask[cpu / 8] |= (byte)(1 << (cpu % 8));
        }
        Check.Rc(sched_setaffinity(pid, CpuSetBytes, mask), "sched_setaffinity");
    }

    /// <summary>
    /// Allows <paramref name="pid"/> every cpu (runc 1.4's tryResetCPUAffinity): the kernel clamps the mask to the
    /// cpus that exist and to the task's cpuset, so the task gets all of its cgroup's cpus and not its parent's
    /// narrower affinity, and keeps them should the cpuset grow. Returns the errno.
    /// </summary>
    public static Errno TrySetAffinityAll(int pid)
    {
        byte* mask = stackalloc byte[CpuSetBytes];
        new Span<byte>(mask, CpuSetBytes).Fill(0xff);
        return sched_setaffinity(pid, CpuSetBytes, mask) < 0 ? Check.LastErrno : Errno.OK;
    }

    /// <summary>The cpus <paramref name="pid"/> (0: the calling thread) may run on.</summary>
    public static List<int> GetAffinity(int pid)
    {
        byte* mask = stackalloc byte[CpuSetBytes];
        new Span<byte>(mask, CpuSetBytes).Clear();
        Check.Rc(sched_getaffinity(pid, CpuSetBytes, mask), "sched_getaffinity");
        var list = new List<int>();
        for (int i = 0; i < CpuSetBytes * 8; i++)
            if ((mask[i / 8] & (1 << (i % 8))) != 0) list.Add(i);
        return list;
    }
}
