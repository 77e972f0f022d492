using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>struct sched_attr of sched_setattr(2) (SCHED_ATTR_SIZE_VER1, 56 bytes, with the util clamps).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SchedAttr
{
    public uint Size;
    public uint Policy;
    public ulong Flags;
    /// <summary>SCHED_OTHER, SCHED_BATCH: -20..19.</summary>
    public int Nice;
    /// <summary>SCHED_FIFO, SCHED_RR: 1..99.</summary>
    public uint Priority;
    /// <summary>SCHED_DEADLINE, nanoseconds.</summary>
    public ulong Runtime;
    public ulong Deadline;
    public ulong Period;
    public uint UtilMin;
    public uint UtilMax;
}

/// <summary>Process attributes set before exec: scheduling (sched_setattr), I/O priority (ioprio_set), personality.</summary>
public static unsafe partial class Libc
{
    public const int SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_ISO = 4, SCHED_IDLE = 5,
        SCHED_DEADLINE = 6;
    public const ulong SCHED_FLAG_RESET_ON_FORK = 0x01, SCHED_FLAG_RECLAIM = 0x02, SCHED_FLAG_DL_OVERRUN = 0x04,
        SCHED_FLAG_KEEP_POLICY = 0x08, SCHED_FLAG_KEEP_PARAMS = 0x10, SCHED_FLAG_UTIL_CLAMP_MIN = 0x20,
        SCHED_FLAG_UTIL_CLAMP_MAX = 0x40;
    public const int IOPRIO_WHO_PROCESS = 1, IOPRIO_WHO_PGRP = 2, IOPRIO_WHO_USER = 3;
    public const int IOPRIO_CLASS_NONE = 0, IOPRIO_CLASS_RT = 1, IOPRIO_CLASS_BE = 2, IOPRIO_CLASS_IDLE = 3;
    public const int IOPRIO_CLASS_SHIFT = 13;
    public const uint PER_LINUX = 0x0000, PER_LINUX32 = 0x0008;
    /// <summary>personality(0xffffffff) only reads the current persona.</summary>
    public const uint PERSONALITY_QUERY = 0xffffffff;

    private static bool IsArm64Sched => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;

    // glibc 2.36 wraps none of these three: x86_64 / arm64 (generic) numbers.
    private static long SYS_sched_setattr => IsArm64Sched ? 274 : 314;
    private static long SYS_sched_getattr => IsArm64Sched ? 275 : 315;
    private static long SYS_ioprio_set => IsArm64Sched ? 30 : 251;
    private static long SYS_ioprio_get => IsArm64Sched ? 31 : 252;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int personality(uint persona);

    public static int sched_setattr(int pid, SchedAttr* attr, uint flags) =>
        (int)syscall(SYS_sched_setattr, pid, (long)attr, flags, 0, 0, 0);

    public static int sched_getattr(int pid, SchedAttr* attr, uint size, uint flags) =>
        (int)syscall(SYS_sched_getattr, pid, (long)attr, size, flags, 0, 0);

    public static int ioprio_set(int which, int who, int ioprio) =>
        (int)syscall(SYS_ioprio_set, which, who, ioprio, 0, 0, 0);

    public static int ioprio_get(int which, int who) =>
        (int)syscall(SYS_ioprio_get, which, who, 0, 0, 0, 0);

    /// <summary>sched_setattr(pid, &amp;attr, 0); -1 with errno set on failure.</summary>
    public static int SchedSetattr(int pid, SchedAttr attr) => sched_setattr(pid, &attr, 0);

    /// <summary>sched_getattr into a zeroed SCHED_ATTR_SIZE_VER1 struct; -1 with errno set on failure.</summary>
    public static int SchedGetattr(int pid, out SchedAttr attr)
    {
        SchedAttr a = default;
        int rc = sched_getattr(pid, &a, (uint)sizeof(SchedAttr), 0);
        attr = a;
        return rc;
    }

    /// <summary>IOPRIO_PRIO_VALUE(class, data).</summary>
    public static int IoprioValue(int ioClass, int data) => (ioClass << IOPRIO_CLASS_SHIFT) | data;
}
