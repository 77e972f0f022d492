using Console = Skiff.LibContainer.Rootfs.Console;
using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Init;

/// <summary>
/// An exec'd process after nsexec joined the container's namespaces (runc's setns_init_linux.go): no rootfs
/// work, only the console, the user, capabilities and no_new_privs, then execve.
/// </summary>
internal static class SetnsInit
{
    public static void Run(InitConfig cfg, SyncSocket sync, int consoleFd)
    {
        var proc = cfg.Process;
        using var seccomp = ProcessFinal.CompileSeccomp(cfg.Spec);
        if (cfg.CreateConsole)
        {
            if (consoleFd < 0) throw new ContainerException("terminal requested but no console socket was passed");
            using var sock = new SafeFd(consoleFd);
            Console.Setup(sock, proc.ConsoleSize);
        }
        var env = Configs.ProcessEnv.Prepare(proc.Env);
        var args = proc.Args is { Count: > 0 } a ? a : throw new ContainerException("args must not be empty");
        string path = ExecLookup.Find(args[0], env);

        ProcessFinal.BeforeReady(cfg);
        PhaseTrace.Mark("console, lookup; send procReady");
        sync.Send(SyncType.procReady);
        sync.Expect(SyncType.procRun);
        PhaseTrace.Mark("recv procRun");

        ProcessFinal.Run(cfg, sync, seccomp, env);
        PhaseTrace.Mark("user, capabilities, seccomp set: exec");
        Log.Close();
        FinalExec.Exec(path, args, env, cfg.PreserveFds);
    }
}
