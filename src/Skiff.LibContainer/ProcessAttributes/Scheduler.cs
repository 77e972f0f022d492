using Skiff.Linux;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// process.scheduler: runc's validation (validate.scheduler), conversion (configs.ToSchedAttr) and setupScheduler
/// (sched_setattr on the thread that will exec, so the attributes survive execve), with runc's messages.
/// </summary>
internal static class Scheduler
{
    /// <summary>The spec's policy names and their SCHED_* values.</summary>
    public static readonly IReadOnlyDictionary<string, int> Policies = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["SCHED_OTHER"] = Libc.SCHED_OTHER,
        ["SCHED_FIFO"] = Libc.SCHED_FIFO,
        ["SCHED_RR"] = Libc.SCHED_RR,
        ["SCHED_BATCH"] = Libc.SCHED_BATCH,
        ["SCHED_ISO"] = Libc.SCHED_ISO,
        ["SCHED_IDLE"] = Libc.SCHED_IDLE,
        ["SCHED_DEADLINE"] = Libc.SCHED_DEADLINE,
    };

    /// <summary>The spec's flag names and their SCHED_FLAG_* bits.</summary>
    public static readonly IReadOnlyDictionary<string, ulong> Flags = new Dictionary<string, ulong>(StringComparer.Ordinal)
    {
        ["SCHED_FLAG_RESET_ON_FORK"] = Libc.SCHED_FLAG_RESET_ON_FORK,
        ["SCHED_FLAG_RECLAIM"] = Libc.SCHED_FLAG_RECLAIM,
        ["SCHED_FLAG_DL_OVERRUN"] = Libc.SCHED_FLAG_DL_OVERRUN,
        ["SCHED_FLAG_KEEP_POLICY"] = Libc.SCHED_FLAG_KEEP_POLICY,
        ["SCHED_FLAG_KEEP_PARAMS"] = Libc.SCHED_FLAG_KEEP_PARAMS,
        ["SCHED_FLAG_UTIL_CLAMP_MIN"] = Libc.SCHED_FLAG_UTIL_CLAMP_MIN,
        ["SCHED_FLAG_UTIL_CLAMP_MAX"] = Libc.SCHED_FLAG_UTIL_CLAMP_MAX,
    };

    /// <summary>runc's validate.scheduler (sched_setattr(2)'s rules that do not need the kernel).</summary>
    public static void Validate(RuntimeSpec.Scheduler? s)
    {
        if (s is null) return;
        if (s.Policy.Length == 0) throw new ContainerException("scheduler policy is required");
        if (s.Policy is "SCHED_OTHER" or "SCHED_BATCH" && (s.Nice < -20 || s.Nice > 19))
            throw new ContainerException($"invalid scheduler.nice: {s.Nice} when scheduler.policy is {s.Policy}");
        if (s.Priority != 0 && s.Policy is not ("SCHED_FIFO" or "SCHED_RR"))
            throw new ContainerException("scheduler.priority can only be specified for SchedFIFO or SchedRR policy");
        if (s.Policy != "SCHED_DEADLINE" && (s.Runtime != 0 || s.Deadline != 0 || s.Period != 0))
            throw new ContainerException("scheduler runtime/deadline/period can only be specified for SchedDeadline policy");
        ToAttr(s);
    }

    /// <summary>runc's configs.ToSchedAttr: unknown policies and flags are errors.</summary>
    public static SchedAttr ToAttr(RuntimeSpec.Scheduler s)
    {
        if (!Policies.TryGetValue(s.Policy, out int policy))
            throw new ContainerException($"invalid scheduler policy: {s.Policy}");
        ulong flags = 0;
        foreach (string flag in s.Flags ?? [])
        {
            if (!Flags.TryGetValue(flag, out ulong bit))
                throw new ContainerException($"invalid scheduler flag: {flag}");
            flags |= bit;
        }
        return new SchedAttr
        {
            Size = (uint)System.Runtime.InteropServices.Marshal.SizeOf<SchedAttr>(),
            Policy = (uint)policy,
            Flags = flags,
            Nice = s.Nice,
            Priority = (uint)s.Priority,
            Runtime = s.Runtime,
            Deadline = s.Deadline,
            Period = s.Period,
        };
    }

    /// <summary>
    /// sched_setattr(0, …) for the calling thread (the one that execs). EPERM with a cpuset is runc's
    /// "can't be used together with AllowedCPUs" (SCHED_DEADLINE needs the whole root domain).
    /// </summary>
    public static void Apply(RuntimeSpec.Scheduler? s, string? cpusetCpus)
    {
        if (s is null) return;
        SchedAttr attr = ToAttr(s);
        if (Libc.SchedSetattr(0, attr) == 0) return;
        Errno e = Check.LastErrno;
        if (e == Errno.EPERM && !string.IsNullOrEmpty(cpusetCpus))
            throw new ContainerException("process scheduler can't be used together with AllowedCPUs");
        throw new ContainerException("error setting scheduler", new SyscallException("sched_setattr", e));
    }
}
