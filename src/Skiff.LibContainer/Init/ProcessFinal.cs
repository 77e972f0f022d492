using Skiff.LibContainer.Processes;
using Skiff.LibContainer.Seccomp;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Init;

/// <summary>
/// The last steps of init and of setns processes, in runc's order, on the thread that execs: seccomp (early when
/// it needs privileges, i.e. without no_new_privs), finalizeNamespace (user, caps, cwd), no_new_privs, seccomp
/// (late), close the sync socket.
/// </summary>
internal static class ProcessFinal
{
    private const int PR_SET_NO_NEW_PRIVS = 38;

    public static void Run(InitConfig cfg, SyncSocket sync, SeccompProgram? seccomp, List<string> env)
    {
        var proc = cfg.Process;
        if (seccomp is not null && !proc.NoNewPrivileges) LoadSeccomp(seccomp, sync);
        ProcessSetup.FinalizeNamespace(proc, env, cfg.PreserveFds, cfg.RootlessEuid);
        if (proc.NoNewPrivileges)
            Check.Rc(Libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
        if (seccomp is not null && proc.NoNewPrivileges) LoadSeccomp(seccomp, sync);
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
