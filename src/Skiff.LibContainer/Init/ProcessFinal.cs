using Skiff.LibContainer.Processes;
using Skiff.LibContainer.Seccomp;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Init;

/// <summary>
/// The last steps of init and of setns processes, in runc's order, on the thread that execs.
/// Standard init (standard_init_linux.go): <see cref="BeforeReady"/> (no_new_privs, scheduler, I/O priority), then
/// after procReady/procRun <see cref="Run"/>: SELinux exec label, seccomp (early when it needs privileges, i.e.
/// without no_new_privs), finalizeNamespace (user, caps, cwd), seccomp (late: the last syscall filter step before
/// exec), personality, close the sync socket. A setns process (setns_init_linux.go) does all of it in
/// <see cref="Run"/>, with the AppArmor profile after finalizeNamespace and personality before the late seccomp.
/// </summary>
internal static class ProcessFinal
{
    private const int PR_SET_NO_NEW_PRIVS = 38;

    /// <summary>Standard init, before procReady: no_new_privs, scheduler, I/O priority (runc's order).</summary>
    public static void BeforeReady(InitConfig cfg)
    {
        var proc = cfg.Process;
        if (proc.NoNewPrivileges)
            Check.Rc(Libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(SET_NO_NEW_PRIVS)");
        Scheduler.Apply(proc.Scheduler, cfg.Spec.Linux?.Resources?.Cpu?.Cpus);
        IoPriority.Apply(proc.IoPriority);
    }

    /// <summary>From procRun to the closed sync socket; the caller then execs on this same thread.</summary>
    public static void Run(InitConfig cfg, SyncSocket sync, SeccompProgram? seccomp, List<string> env)
    {
        var proc = cfg.Process;
        if (cfg.IsSetns) BeforeReady(cfg);
        Labels.SetSelinuxExecLabel(proc.SelinuxLabel);
        // Without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the capabilities are dropped.
        if (seccomp is not null && !proc.NoNewPrivileges) LoadSeccomp(seccomp, sync);
        ProcessSetup.FinalizeNamespace(proc, env, cfg.PreserveFds, cfg.RootlessEuid);
        if (cfg.IsSetns)
        {
            Labels.ApplyAppArmor(proc.ApparmorProfile);
            Personality.Apply(cfg.Spec.Linux?.Personality);
        }
        // As close to execve as possible, so that few syscalls need allowing in the profile.
        if (seccomp is not null && proc.NoNewPrivileges) LoadSeccomp(seccomp, sync);
        if (!cfg.IsSetns) Personality.Apply(cfg.Spec.Linux?.Personality);
        if (!cfg.IsSetns && Log.IsDebug) Log.Debug("init: closing the pipe to signal completion"); // runc's milestone
        sync.Dispose();
    }

    /// <summary>Loads the filter; a notify fd goes to the parent (procSeccomp), which hands it to the agent.</summary>
    private static void LoadSeccomp(SeccompProgram seccomp, SyncSocket sync)
    {
        int fd = seccomp.Load();
        seccomp.Dispose();
        if (fd < 0) return;
        sync.Send(SyncType.procSeccomp, fd.ToString(System.Globalization.CultureInfo.InvariantCulture));
        sync.Expect(SyncType.procSeccompDone);
        Libc.close(fd);
    }

    /// <summary>Compiles the profile while the host's libseccomp is still reachable (before pivot_root).</summary>
    public static SeccompProgram? CompileSeccomp(Spec spec)
    {
        try
        {
            return SeccompFilter.Compile(spec.Linux?.Seccomp);
        }
        catch (Exception ex) when (ex is not ContainerException)
        {
            throw new ContainerException("unable to init seccomp", ex);
        }
    }
}
