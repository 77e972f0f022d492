using System.Globalization;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>cpu: shares, CFS period/quota/burst, idle, realtime period/runtime (runc fs/cpu.go).</summary>
internal sealed class CpuController : Controller
{
    public override string Name => "cpu";

    /// <summary>The RT budget is set before the pid moves in: a SCHED_RR task cannot join a group without one.</summary>
    public override void Apply(CgroupFs fs, string dir, LinuxResources? r, int pid)
    {
        MkdirAll(dir);
        if (r?.Cpu is { } cpu) SetRtSched(fs, dir, cpu);
        WriteProc(fs, dir, pid);
    }

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        LinuxCpu? c = r.Cpu;
        if (c is null) return;

        // cpu.idle before cpu.shares: the kernel refuses shares for an idle group (EINVAL), so with idle 1 the
        // shares are not written at all, and idle 0 must be in place before shares are written again (an update
        // re-applies the stored shares of a group made idle earlier).
        if (c.Idle is long idle) fs.Write(dir, "cpu.idle", Str(idle));
        if (c.Shares is ulong shares && shares != 0 && c.Idle is not 1)
        {
            fs.Write(dir, "cpu.shares", Str(shares));
            // The kernel clamps out-of-range shares silently: read back to report it.
            ulong read = fs.ReadUlong(dir!, "cpu.shares");
            if (shares > read) throw new CgroupException($"the maximum allowed cpu-shares is {read}");
            if (shares < read) throw new CgroupException($"the minimum allowed cpu-shares is {read}");
        }

        long quota = c.Quota ?? 0;
        string? period = null;
        if (c.Period is ulong p && p != 0)
        {
            period = Str(p);
            // A smaller period may be rejected (old quota/new period above the parent's); retry after the quota.
            if (TryWriteRetryable(fs, dir, "cpu.cfs_period_us", period, retryLater: quota != 0)) period = null;
        }

        string? burst = null;
        if (c.Burst is ulong b)
        {
            burst = Str(b);
            try
            {
                if (TryWriteRetryable(fs, dir, "cpu.cfs_burst_us", burst, retryLater: quota != 0)) burst = null;
            }
            catch (CgroupException ex) when (ex.InnerException is SyscallException { Errno: Errno.ENOENT })
            {
                burst = null; // no burst knob (kernel < 5.14): ignored, as runc
            }
        }

        if (quota != 0)
        {
            fs.Write(dir, "cpu.cfs_quota_us", Str(quota));
            if (period is not null) fs.Write(dir, "cpu.cfs_period_us", period);
            if (burst is not null) fs.Write(dir, "cpu.cfs_burst_us", burst);
        }

        SetRtSched(fs, dir, c);
    }

    /// <summary>rt_period_us and rt_runtime_us depend on each other: a rejected period is retried after the runtime.</summary>
    private static void SetRtSched(CgroupFs fs, string? dir, LinuxCpu c)
    {
        long runtime = c.RealtimeRuntime ?? 0;
        string? period = null;
        if (c.RealtimePeriod is ulong p && p != 0)
        {
            period = Str(p);
            if (TryWriteRetryable(fs, dir, "cpu.rt_period_us", period, retryLater: runtime != 0)) period = null;
        }
        if (runtime != 0)
        {
            fs.Write(dir, "cpu.rt_runtime_us", Str(runtime));
            if (period is not null) fs.Write(dir, "cpu.rt_period_us", period);
        }
    }

    /// <summary>True when written; false when EINVAL and <paramref name="retryLater"/> (the caller writes again).</summary>
    private static bool TryWriteRetryable(CgroupFs fs, string? dir, string file, string value, bool retryLater)
    {
        try
        {
            fs.Write(dir, file, value);
            return true;
        }
        catch (CgroupException ex) when (retryLater && ex.InnerException is SyscallException { Errno: Errno.EINVAL })
        {
            return false;
        }
    }

    private static string Str(ulong v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
}
