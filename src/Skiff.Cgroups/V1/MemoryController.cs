using System.Globalization;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>memory: limit, memsw (swap = memory+swap in v1), soft limit, swappiness, OOM killer (runc fs/memory.go).
/// Kernel memory limits (kernel, kernelTCP) are ignored with a warning, as runc 1.2 does.</summary>
internal sealed class MemoryController : Controller
{
    public const string Limit = "memory.limit_in_bytes", SwapLimit = "memory.memsw.limit_in_bytes",
        Usage = "memory.usage_in_bytes", MaxUsage = "memory.max_usage_in_bytes";

    public override string Name => "memory";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        LinuxMemory? m = r.Memory;
        if (m is null) return;
        SetMemoryAndSwap(fs, dir, m.Limit ?? 0, m.Swap ?? 0);

        if (m.Kernel is not null || m.KernelTcp is not null)
            Log.Warn("Kernel memory settings are ignored and will be removed");

        if (m.Reservation is long res && res != 0)
            fs.Write(dir, "memory.soft_limit_in_bytes", Str(res));
        if (m.DisableOomKiller == true)
            fs.Write(dir, "memory.oom_control", "1");
        if (m.Swappiness is ulong sw && (long)sw != -1)
        {
            if (sw > 100)
                throw new CgroupException($"invalid value:{sw}. valid memory swappiness range is 0-100");
            fs.Write(dir, "memory.swappiness", Str((long)sw));
        }
    }

    /// <summary>
    /// Writes limit and memsw in the order the kernel accepts: memsw must stay >= limit, so when raising the swap
    /// limit above the current memory limit (or making it unlimited) memsw goes first.
    /// </summary>
    private static void SetMemoryAndSwap(CgroupFs fs, string? dir, long memory, long swap)
    {
        // Unlimited memory with swap unset: make swap unlimited too (when the kernel has swap accounting).
        if (memory == -1 && swap == 0 && dir is not null && fs.Exists(dir, SwapLimit)) swap = -1;

        if (memory != 0 && swap != 0 && dir is not null)
        {
            ulong cur = fs.ReadUlong(dir, Limit);
            if (swap == -1 || cur < (ulong)swap)
            {
                SetSwap(fs, dir, swap);
                SetMemory(fs, dir, memory);
                return;
            }
        }
        SetMemory(fs, dir, memory);
        SetSwap(fs, dir, swap);
    }

    private static void SetMemory(CgroupFs fs, string? dir, long val)
    {
        if (val == 0) return;
        try
        {
            fs.Write(dir, Limit, Str(val));
        }
        catch (CgroupException ex) when (ex.InnerException is SyscallException { Errno: Errno.EBUSY } && dir is not null)
        {
            // EBUSY: the new limit is below the current usage.
            ulong usage = fs.ReadUlong(dir, Usage);
            ulong peak = fs.ReadUlong(dir, MaxUsage);
            throw new CgroupException(
                $"unable to set memory limit to {val} (current usage: {usage}, peak usage: {peak})");
        }
    }

    private static void SetSwap(CgroupFs fs, string? dir, long val)
    {
        if (val == 0) return;
        fs.Write(dir, SwapLimit, Str(val));
    }

    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
}
