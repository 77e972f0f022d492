using Console = Skiff.LibContainer.Rootfs.Console;
using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer.Seccomp;
using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Init;

/// <summary>
/// The last steps of init and of setns processes, in runc 1.4's order, on the thread that execs.
/// Both (standard_init_linux.go, setns_init_linux.go) set up the console with <see cref="SetupConsole"/> and end
/// with <see cref="ReadyAndFinalize"/>: the program looked up, <see cref="BeforeReady"/> (no_new_privs, scheduler, I/O
/// priority, personality, NUMA memory policy), then after procReady/procRun <see cref="Run"/>: SELinux exec label,
/// seccomp (early when it needs privileges, i.e. without no_new_privs), finalizeNamespace (user, caps, cwd), for a
/// setns process the AppArmor profile, seccomp (late: the last syscall filter step before exec), close the sync
/// socket. Personality comes before any seccomp filter (runc 1.4, #4900): a profile may forbid personality(2).
/// </summary>
internal static class ProcessFinal
{
    private const int PR_SET_NO_NEW_PRIVS = 38;

    /// <summary>The terminal, when the process asks for one: a pty whose master goes to the console socket the
    /// parent passed as <paramref name="consoleFd"/> (closed here).</summary>
    public static void SetupConsole(InitConfig cfg, int consoleFd)
    {
        if (!cfg.CreateConsole) return;
        if (consoleFd < 0) throw new ContainerException("terminal requested but no console socket was passed");
        using var sock = new SafeFd(consoleFd);
        Console.Setup(sock, cfg.Process.ConsoleSize);
    }

    /// <summary>
    /// The common end of init and setns before exec: the program looked up in the process's PATH, <see
    /// cref="BeforeReady"/>, procReady sent and procRun awaited, <see cref="Run"/>, the log pipe closed (the
    /// parent stops reading once it and the sync socket close). <paramref name="readyPhase"/> and <paramref
    /// name="donePhase"/> name the trace points before procReady and at the end. Returns what to exec, on this
    /// same thread.
    /// </summary>
    public static (string Path, IReadOnlyList<string> Args, List<string> Env) ReadyAndFinalize(InitConfig cfg,
        SyncSocket sync, SeccompProgram? seccomp, string readyPhase, string donePhase)
    {
        var env = Configs.ProcessEnv.Prepare(cfg.Process.Env);
        var args = cfg.Process.Args is { Count: > 0 } a ? a : throw new ContainerException("args must not be empty");
        string path = ExecLookup.Find(args[0], env);

        BeforeReady(cfg);
        FinalExec.OpenFdDir(); // before any seccomp filter
        PhaseTrace.Mark(readyPhase);
        sync.Send(SyncType.procReady);
        sync.Expect(SyncType.procRun);
        PhaseTrace.Mark("recv procRun");

        Run(cfg, sync, seccomp, env);
        PhaseTrace.Mark(donePhase);
        Log.Close();
        return (path, args, env);
    }

    /// <summary>
    /// Before procReady (init and setns alike): no_new_privs, scheduler, I/O priority (an exec'd process's own, from
    /// `exec -p`), personality, memory policy (runc's order).
    /// </summary>
    public static void BeforeReady(InitConfig cfg)
    {
        var proc = cfg.Process;
        if (proc.NoNewPrivileges)
            Check.Rc(Libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(SET_NO_NEW_PRIVS)");
        ProcessAttributes.Scheduler.Apply(proc.Scheduler, cfg.Spec.Linux?.Resources?.Cpu?.Cpus);
        IoPriority.Apply(proc.IoPriority);
        Personality.Apply(cfg.Spec.Linux?.Personality);
        MemoryPolicy.Apply(cfg.Spec.Linux?.MemoryPolicy);
    }

    /// <summary>From procRun to the closed sync socket; the caller then execs on this same thread.</summary>
    public static void Run(InitConfig cfg, SyncSocket sync, SeccompProgram? seccomp, List<string> env)
    {
        var proc = cfg.Process;
        Labels.SetSelinuxExecLabel(proc.SelinuxLabel);
        // Without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the capabilities are dropped.
        if (seccomp is not null && !proc.NoNewPrivileges) LoadSeccomp(seccomp, sync);
        ProcessSetup.FinalizeNamespace(proc, env, cfg.PreserveFds, cfg.RootlessEuid,
            Identity.KeepOriginalGroups(cfg.Spec.Annotations));
        if (cfg.IsSetns) Labels.ApplyAppArmor(proc.ApparmorProfile);
        // As close to execve as possible, so that few syscalls need allowing in the profile.
        if (seccomp is not null && proc.NoNewPrivileges) LoadSeccomp(seccomp, sync);
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
