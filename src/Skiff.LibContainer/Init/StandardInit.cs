using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer.Wire;
using System.Runtime.InteropServices;
using Skiff.LibContainer.Hooks;
using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Init;

/// <summary>
/// The container's init after the bootstrap (runc's standard_init_linux.go), all on the main thread so that
/// the per-thread state (capabilities, no_new_privs, seccomp) belongs to the thread that calls execve.
/// </summary>
internal static class StandardInit
{
    private const long SYS_keyctl = 250;
    private const int KEYCTL_JOIN_SESSION_KEYRING = 1;

    /// <param name="inCgroup">Waits for the parent's fds message (the exec fifo and the console socket), which comes
    /// once this process is in the container's cgroup.</param>
    public static void Run(InitConfig cfg, SyncSocket sync, Func<(int Fifo, int Console)> inCgroup)
    {
        Spec spec = cfg.Spec;
        Process proc = cfg.Process;
        bool newMnt = cfg.Namespaces.IsNew("mount");

        // Before the parent has put us in the container's cgroup, only what needs none: nothing is mounted, opened
        // or forked for the container, and the allocations here are few.
        if (cfg.Namespaces.IsNew("network")) Network.LoopbackUp();
        // read what we need from the host before the root switch hides it
        Capabilities.KernelLastCap();
        using var seccomp = ProcessFinal.CompileSeccomp(spec);
        PhaseTrace.Mark("loopback, seccomp compiled");
        var (fifoFd, consoleFd) = inCgroup();
        PhaseTrace.Mark("in its cgroup (fds received)");

        // In the container's cgroup now, so a new cgroup namespace is rooted there (runc unshares it in nsexec's last
        // stage, which waits for the parent; ours does not). This thread is the one that mounts and execs, and
        // unshare changes only the calling thread's namespace.
        if (cfg.Namespaces.IsNew("cgroup"))
        {
            try
            {
                Libc.Unshare(Libc.CLONE_NEWCGROUP);
            }
            catch (SyscallException ex)
            {
                throw new ContainerException("failed to unshare cgroup namespace", ex);
            }
        }

        // With no prestart, createRuntime or createContainer hook, the root switch does not wait for the parent's
        // answer to procHooks: the parent sets the cgroup limits then (as runc), while the switch's unmount of the old
        // root waits out an RCU grace period here. The answer is taken right after the switch, before init opens any
        // device again (a v1 devices cgroup refuses all while its rules are being replaced).
        bool hooksDonePending = false;
        void TakeHooksDone()
        {
            if (!hooksDonePending) return;
            hooksDonePending = false;
            sync.Expect(SyncType.procHooksDone);
        }
        void HooksSync()
        {
            sync.Send(SyncType.procHooks);
            if (spec.Hooks is not { Prestart.Count: > 0 } and not { CreateRuntime.Count: > 0 } and not { CreateContainer.Count: > 0 })
            {
                hooksDonePending = true;
                return;
            }
            sync.Expect(SyncType.procHooksDone);
            if (spec.Hooks?.CreateContainer is { Count: > 0 } hooks)
                HookRunner.Run("createContainer", hooks, State(cfg, "creating"));
        }

        if (newMnt) RootfsSetup.Prepare(cfg, sync, HooksSync, TakeHooksDone);
        else HooksSync();
        TakeHooksDone();
        PhaseTrace.Mark("rootfs prepared (mounts, procHooks, pivot_root)");

        ProcessFinal.SetupConsole(cfg, consoleFd);
        if (cfg.Namespaces.IsNew("uts"))
        {
            if (!string.IsNullOrEmpty(spec.Hostname)) Libc.SetHostname(spec.Hostname);
            if (!string.IsNullOrEmpty(spec.Domainname)) Libc.SetDomainname(spec.Domainname);
        }
        Labels.ApplyAppArmor(proc.ApparmorProfile);
        Sysctl.Apply(spec.Linux?.Sysctl);
        if (newMnt) RootfsSetup.Finalize(cfg);
        if (!cfg.NoNewKeyring) JoinSessionKeyring(cfg.ContainerId);

        var (path, args, env) = ProcessFinal.ReadyAndFinalize(cfg, sync, seccomp,
            "console, hostname, sysctl, rootfs finalized, keyring; send procReady",
            "user, capabilities, seccomp set: waiting on the exec fifo");

        // the fifo stays open (close-on-exec) until execve: `start` reads to EOF, so poststart hooks run only
        // once the container's process has replaced init, after the startContainer hooks
        SafeFd? fifo = fifoFd >= 0 ? WaitForStart(fifoFd) : null;
        if (spec.Hooks?.StartContainer is { Count: > 0 } start)
            HookRunner.Run("startContainer", start, State(cfg, "running"));
        FinalExec.Exec(path, args, env, cfg.PreserveFds);
        GC.KeepAlive(fifo);
    }

    private static State State(InitConfig cfg, string status) =>
        States.Of(cfg.Spec, cfg.ContainerId, status, Libc.getpid(), cfg.Bundle);

    /// <summary>Blocks in open(O_WRONLY) on the exec fifo until `start` opens it for reading, then writes one byte.</summary>
    private static SafeFd WaitForStart(int fifoFd)
    {
        // Through the verified procfs: the container's /proc may hold anything its mounts put there.
        var w = ProcfsHandle.Shared.Reopen(fifoFd, Libc.O_WRONLY);
        Libc.WriteAll(w, "0"u8, "write exec fifo");
        Libc.close(fifoFd);
        return w;
    }

    /// <summary>A new session keyring per container, so containers do not share the host's keys (runc's _ses.ID).</summary>
    private static void JoinSessionKeyring(string id)
    {
        nint name = Marshal.StringToCoTaskMemUTF8("_ses." + id);
        try
        {
            long rc = Libc.syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0, 0);
            if (rc < 0)
            {
                Errno e = Check.LastErrno;
                if (e is Errno.ENOSYS or Errno.EACCES or Errno.EPERM or Errno.EDQUOT)
                    Log.Debug($"join session keyring: {e.Text()}");
                else
                    throw new ContainerException("unable to join session keyring", new SyscallException("keyctl", e));
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(name);
        }
    }
}
