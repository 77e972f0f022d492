namespace Skiff.Linux;

/// <summary>NUMA memory policy: set_mempolicy(2) (glibc 2.36 has no wrapper; libnuma is not a dependency).</summary>
public static unsafe partial class Libc
{
    private const long SYS_set_mempolicy = 238;

    public const int MPOL_DEFAULT = 0, MPOL_PREFERRED = 1, MPOL_BIND = 2, MPOL_INTERLEAVE = 3, MPOL_LOCAL = 4,
        MPOL_PREFERRED_MANY = 5, MPOL_WEIGHTED_INTERLEAVE = 6;
    public const int MPOL_F_NUMA_BALANCING = 1 << 13, MPOL_F_RELATIVE_NODES = 1 << 14, MPOL_F_STATIC_NODES = 1 << 15;

    /// <summary>Nodes a mask may name (bits in the mask passed to the kernel).</summary>
    public const int NodeMaskBits = 64 * 1024;

    /// <summary>
    /// set_mempolicy(mode | flags, nodes) for the calling thread (inherited across fork and kept across execve).
    /// An empty <paramref name="nodes"/> passes no mask. EINTR is retried.
    /// </summary>
    public static Errno SetMempolicy(int modeAndFlags, IReadOnlyCollection<int> nodes)
    {
        if (nodes.Count == 0)
            return Eintr.Retry(() => (int)syscall(SYS_set_mempolicy, modeAndFlags, 0, 0, 0, 0, 0)) < 0 ? Check.LastErrno : Errno.OK;
        int bits = (nodes.Max() / 64 + 1) * 64;
        if (bits > NodeMaskBits) throw new ArgumentOutOfRangeException(nameof(nodes), "node out of range");
        ulong[] mask = new ulong[bits / 64];
        foreach (int n in nodes) mask[n / 64] |= 1UL << (n % 64);
        fixed (ulong* p = mask)
        {
            long addr = (long)p;
            // maxnode counts one more than the bits the kernel reads (it decrements it first)
            int rc = Eintr.Retry(() => (int)syscall(SYS_set_mempolicy, modeAndFlags, addr, bits + 1, 0, 0, 0));
            return rc < 0 ? Check.LastErrno : Errno.OK;
        }
    }
}
