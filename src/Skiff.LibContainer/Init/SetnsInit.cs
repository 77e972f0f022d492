using Skiff.LibContainer.Processes;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Init;

/// <summary>
/// An exec'd process after nsexec joined the container's namespaces (runc's setns_init_linux.go): no rootfs
/// work, only the console, the user, capabilities and no_new_privs, then execve.
/// </summary>
internal static class SetnsInit
{
    private const int PR_SET_NO_NEW_PRIVS = 38;

    public static void Run(InitConfig cfg, SyncSocket sync, int consoleFd)
    {
        var proc = cfg.Process;
        if (cfg.CreateConsole)
        {
            if (consoleFd < 0) throw new ContainerException("terminal requested but no console socket was passed");
            using var sock = new SafeFd(consoleFd);
            Console.Setup(sock, proc.ConsoleSize);
        }
        var env = proc.Env?.ToList() ?? [];
        var args = proc.Args is { Count: > 0 } a ? a : throw new ContainerException("args must not be empty");
        string path = ExecLookup.Find(args[0], env);

        sync.Send(SyncType.procReady);
        sync.Expect(SyncType.procRun);

        Identity.Apply(proc.User, env);
        Capabilities.Apply(proc.Capabilities);
        if (!string.IsNullOrEmpty(proc.Cwd))
        {
            Errno e = Check.Try(Libc.chdir(proc.Cwd));
            if (e != Errno.OK)
                throw new ContainerException($"chdir to cwd (\"{proc.Cwd}\") set in config.json failed", new SyscallException("chdir", e, proc.Cwd));
        }
        if (proc.NoNewPrivileges)
            Check.Rc(Libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
        sync.Dispose();
        Log.Close();
        FinalExec.Exec(path, args, env, cfg.PreserveFds);
    }
}
