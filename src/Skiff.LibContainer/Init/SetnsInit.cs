using Skiff.LibContainer.Wire;

namespace Skiff.LibContainer.Init;

/// <summary>
/// An exec'd process after nsexec joined the container's namespaces (runc's setns_init_linux.go): no rootfs
/// work, only the console, the user, capabilities and no_new_privs, then execve.
/// </summary>
internal static class SetnsInit
{
    public static void Run(InitConfig cfg, SyncSocket sync, int consoleFd)
    {
        using var seccomp = ProcessFinal.CompileSeccomp(cfg.Spec);
        ProcessFinal.SetupConsole(cfg, consoleFd);
        var (path, args, env) = ProcessFinal.ReadyAndFinalize(cfg, sync, seccomp,
            "console, lookup; send procReady", "user, capabilities, seccomp set: exec");
        FinalExec.Exec(path, args, env, cfg.PreserveFds);
    }
}
