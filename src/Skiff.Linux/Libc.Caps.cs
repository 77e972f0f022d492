using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>The three capability sets capget/capset work on (64 bits each, as two 32-bit words on the wire).</summary>
public readonly record struct CapSets(ulong Effective, ulong Permitted, ulong Inheritable);

public static unsafe partial class Libc
{
    public const int PR_SET_KEEPCAPS = 8, PR_GET_KEEPCAPS = 7, PR_CAPBSET_READ = 23, PR_CAPBSET_DROP = 24,
        PR_CAP_AMBIENT = 47, PR_CAP_AMBIENT_IS_SET = 1, PR_CAP_AMBIENT_RAISE = 2, PR_CAP_AMBIENT_LOWER = 3,
        PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /// <summary>_LINUX_CAPABILITY_VERSION_3: two 32-bit data words per set.</summary>
    public const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    private const long SYS_capget = 125, SYS_capset = 126; // x86_64

    [StructLayout(LayoutKind.Sequential)]
    private struct CapUserHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapUserData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    /// <summary>capget(2) for the calling thread (pid 0), via the raw syscall.</summary>
    public static CapSets CapGet()
    {
        CapUserHeader hdr = new() { Version = LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        CapUserData* data = stackalloc CapUserData[2];
        Check.Rc(syscall(SYS_capget, (long)&hdr, (long)data, 0, 0, 0, 0), "capget");
        return new CapSets(
            data[0].Effective | ((ulong)data[1].Effective << 32),
            data[0].Permitted | ((ulong)data[1].Permitted << 32),
            data[0].Inheritable | ((ulong)data[1].Inheritable << 32));
    }

    /// <summary>capset(2) for the calling thread only: capabilities are per-thread state.</summary>
    public static void CapSet(CapSets sets)
    {
        CapUserHeader hdr = new() { Version = LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        CapUserData* data = stackalloc CapUserData[2];
        data[0] = new CapUserData
        {
            Effective = (uint)sets.Effective, Permitted = (uint)sets.Permitted, Inheritable = (uint)sets.Inheritable,
        };
        data[1] = new CapUserData
        {
            Effective = (uint)(sets.Effective >> 32), Permitted = (uint)(sets.Permitted >> 32),
            Inheritable = (uint)(sets.Inheritable >> 32),
        };
        Check.Rc(syscall(SYS_capset, (long)&hdr, (long)data, 0, 0, 0, 0), "capset");
    }

    /// <summary>Whether <paramref name="cap"/> is in the bounding set (null if the kernel does not know it).</summary>
    public static bool? CapBsetRead(int cap)
    {
        int rc = prctl(PR_CAPBSET_READ, (nuint)cap, 0, 0, 0);
        if (rc >= 0) return rc != 0;
        Errno e = Check.LastErrno;
        if (e == Errno.EINVAL) return null;
        Check.Throw("prctl(PR_CAPBSET_READ)", e);
        return null;
    }

    /// <summary>PR_CAPBSET_DROP; returns the errno (EINVAL: the kernel does not know the cap).</summary>
    public static Errno CapBsetDrop(int cap) => Check.Try(prctl(PR_CAPBSET_DROP, (nuint)cap, 0, 0, 0));

    public static void AmbientClearAll() =>
        Check.Rc(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");

    /// <summary>PR_CAP_AMBIENT_RAISE; EPERM when the cap is not both permitted and inheritable.</summary>
    public static Errno AmbientRaise(int cap) =>
        Check.Try(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (nuint)cap, 0, 0));

    /// <summary>The ambient set as a bit mask (caps up to <paramref name="lastCap"/>).</summary>
    public static ulong AmbientGet(int lastCap)
    {
        ulong mask = 0;
        for (int c = 0; c <= lastCap; c++)
            if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, (nuint)c, 0, 0) > 0) mask |= 1UL << c;
        return mask;
    }

    /// <summary>PR_SET_KEEPCAPS for the calling thread (per-thread securebit; cleared again by execve).</summary>
    public static void SetKeepCaps(bool on) =>
        Check.Rc(prctl(PR_SET_KEEPCAPS, on ? 1u : 0u, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");

    /// <summary>
    /// The highest capability the kernel knows (what /proc/sys/kernel/cap_last_cap says), asked of the kernel itself:
    /// the first cap PR_CAPBSET_READ refuses with EINVAL, less one. Not read from a file: `skiff init` of an exec
    /// has joined the container's mount namespace before it runs, where /proc may be the image's own directory,
    /// and a planted cap_last_cap of 1 would leave every cap above it in the bounding set.
    /// </summary>
    public static int CapLastCap()
    {
        for (int cap = 0; cap < 64; cap++)
        {
            if (prctl(PR_CAPBSET_READ, (nuint)cap, 0, 0, 0) >= 0) continue;
            Errno e = Check.LastErrno;
            if (e == Errno.EINVAL) return cap - 1;
            Check.Throw("prctl(PR_CAPBSET_READ)", e);
        }
        return 63;
    }
}
