using Skiff.RuntimeSpec.Json;
using Skiff.LibContainer.Wire;
using System.Buffers.Binary;
using System.Text.Json;
using Skiff.LibContainer.Configs;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Init;

/// <summary>
/// `skiff init`: the C bootstrap (native/nsexec) has already joined or made the namespaces before the runtime
/// started; here we read the config from the init socket and do the rest in C# (runc's StartInitialization).
/// </summary>
public static class InitEntry
{
    public static int Run()
    {
        Log.UtcTime = true;
        int logFd = EnvFd(InitEnv.LogPipe);
        if (logFd >= 0)
        {
            Log.SetSink(new SafeFd(logFd), isStderr: false);
            Log.Json = true;
            string? lv = Environment.GetEnvironmentVariable(InitEnv.LogLevel);
            Log.Level = lv is not null && int.TryParse(lv, out int l) ? (LogLevel)l : LogLevel.Info;
        }
        // runc's milestone (init_linux.go): people and tests grep --debug output for it
        if (Log.IsDebug) Log.Debug("child process in init()");
        if (long.TryParse(Environment.GetEnvironmentVariable(PhaseTrace.InitEnvName), out long zero))
        {
            PhaseTrace.Enable("init", zero);
            PhaseTrace.MarkAt("exec'd (nsexec stage 0 started)", Libc.nsexec_start_ns());
            PhaseTrace.MarkAt("nsexec stages done", Libc.nsexec_done_ns());
            PhaseTrace.Mark("runtime started");
        }
        int initFd = EnvFd(InitEnv.InitPipe), syncFd = EnvFd(InitEnv.SyncPipe);
        int fifoFd = -1, consoleFd = -1;
        if (initFd < 0 || syncFd < 0)
        {
            Log.Fatal("skiff init is only run by skiff itself (missing " + InitEnv.InitPipe + ")");
            return 1;
        }
        // a speculative init (nsexec.c, speculate) reads the init socket only after nsexec's stage 0 has read its
        // bootstrap message there; one not kept is killed meanwhile
        if (SpeculationWait() < 0) return 1;
        var sync = new SyncSocket(new SafeFd(syncFd), "init");
        using var initSock = new SafeFd(initFd);
        try
        {
            InitConfig cfg = ReadConfig(initSock, out int configBytes);
            PhaseTrace.Mark("config received");
            // A container's init may have its config before it is in its cgroup (create sends it early): the fds
            // message, which follows once it is, is read by StandardInit before anything of the container's.
            (int Fifo, int Console) InCgroup()
            {
                var fds = ReadFds(initSock);
                initSock.Dispose();
                return fds;
            }
            if (cfg.IsSetns) (fifoFd, consoleFd) = InCgroup();
            SettleSpeculation(cfg);
            // before anything of the container's is mounted or joined (see UseCurrent)
            Rootfs.ProcfsHandle.UseCurrent();
            FenceCollections(cfg, configBytes);
            // here, where a failure reaches the parent as procError (it serves the sync socket now)
            bool joinedMnt = JoinMountNamespace();
            // in the bundle directory, as runc's init: a spawned init inherited it, one spawned at the caller's start
            // (nsexec's early spawn) is where the caller was
            // (after joining a mount namespace, its root, as before: the bundle may not be there)
            if (!cfg.IsSetns && !joinedMnt && cfg.Bundle is { Length: > 0 } bundle) Check.Rc(Libc.chdir(bundle), "chdir", bundle);
            ClearEnv();
            if (cfg.IsSetns) SetnsInit.Run(cfg, sync, consoleFd);
            else StandardInit.Run(cfg, sync, InCgroup);
            return 0; // not reached: StandardInit execs
        }
        catch (Exception ex)
        {
            string msg = ErrorText.Render(ex);
            if (sync.IsClosed)
            {
                // Past procRun (startContainer hooks, execve: ENOEXEC, E2BIG, a missing interpreter) the parent no
                // longer listens: as runc's Init, the process's own stderr is the one way to the caller, exit 255.
                WriteStderr(msg);
                return 255;
            }
            try
            {
                sync.Send(SyncType.procError, msg);
            }
            catch (Exception)
            {
                Log.Fatal(msg); // the parent's end is gone: the log pipe is the last way out
            }
            return 1;
        }
    }

    /// <summary>
    /// A speculative init (nsexec.c, speculate) was forked into new network, IPC and UTS namespaces before the config
    /// was known, and nsexec kept it for a config that may join some of them by path or leave them the host's
    /// (Kubernetes' containers join their pod's): this thread, the one that sets the container up and execs, joins
    /// those now, as nsexec would have before forking it (non-dumpable while it joins by path, as there). The other
    /// threads of the runtime stay where they are; execve ends them.
    /// </summary>
    private static void SettleSpeculation(InitConfig cfg)
    {
        int speculative;
        try { speculative = Libc.nsexec_speculative(); }
        catch (DllNotFoundException) { return; }
        if (speculative != 1) return;
        var joins = cfg.Namespaces.JoinPaths();
        foreach (var (proc, name, flag) in new[] { ("net", "network", Libc.CLONE_NEWNET), ("ipc", "ipc", Libc.CLONE_NEWIPC), ("uts", "uts", Libc.CLONE_NEWUTS) })
        {
            using var origin = new SafeFd(Libc.nsexec_speculative_origin(proc));
            if (cfg.Namespaces.IsNew(name)) continue;
            string? path = null;
            foreach (var (p, at) in joins) if (p == proc) path = at;
            if (path is not null)
            {
                Check.Rc(Libc.prctl(Libc.PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)");
                Libc.Setns(path, flag);
            }
            else
            {
                if (origin.IsInvalid) throw new ContainerException($"the {proc} namespace nsexec came from is not known");
                Libc.Setns(origin, flag, "/proc/self/ns/" + proc);
            }
        }
    }

    private static int SpeculationWait()
    {
        try { return Libc.nsexec_speculation_wait(); }
        catch (DllNotFoundException) { return 0; } // under the JIT: no nsexec, nothing spawned early
    }

    private static void WriteStderr(string msg)
    {
        byte[] line = System.Text.Encoding.UTF8.GetBytes(msg + "\n");
        using var stderr = new SafeFd(2, ownsHandle: false);
        try { Libc.WriteAll(stderr, line, "write stderr"); }
        catch (SyscallException) { } // stderr closed: nothing more to try
    }

    private static int EnvFd(string name)
    {
        string? s = Environment.GetEnvironmentVariable(name);
        return s is not null && int.TryParse(s, out int fd) && fd >= 0 ? fd : -1;
    }

    private static void ClearEnv()
    {
        foreach (string name in new[] { InitEnv.InitPipe, InitEnv.SyncPipe, InitEnv.LogPipe, InitEnv.LogLevel, InitEnv.InitType, InitEnv.Speculate, InitEnv.SpeculateState, PhaseTrace.InitEnvName, TestKnob.FailVariable })
            Environment.SetEnvironmentVariable(name, null);
    }

    /// <summary>
    /// Joins the mount namespace nsexec left to us (an exec's: the container's), now that the runtime has started:
    /// its start reads /proc and /sys files, which inside the container may be the image's. This thread gets a
    /// filesystem context of its own first (setns(CLONE_NEWNS) refuses a shared one); init's work and its final
    /// exec happen on it. False when there was none to join.
    /// </summary>
    private static bool JoinMountNamespace()
    {
        int fd;
        try { fd = Libc.nsexec_mntns_fd(); }
        catch (DllNotFoundException) { return false; }
        if (fd < 0) return false;
        using var ns = new SafeFd(fd);
        Check.Rc(Libc.unshare(Libc.CLONE_FS), "unshare(CLONE_FS)");
        Libc.Setns(ns, Libc.CLONE_NEWNS, "mnt");
        return true;
    }

    /// <summary>
    /// A garbage collection reads /proc/meminfo (and, under a memory limit, /proc/self/statm and the memory cgroup's
    /// files below /sys): the .NET runtime opens them by path. After the root switch, or once an exec has joined the
    /// container's mount namespace, those paths are the container's, and they are the image's own files when it
    /// mounts no procfs on /proc or nothing on /sys: a fifo there holds init forever in the collection, /dev/zero
    /// feeds it without end. For such a container, init collects once here, while the paths are still the host's,
    /// and allocates what is left of its work (the mounts, the environment, the user's lookup) from a no-GC region
    /// far larger than that work needs. Containers that mount both, the usual ones, are left as they are.
    /// </summary>
    private static void FenceCollections(InitConfig cfg, int configBytes)
    {
        bool proc = false, sys = false;
        foreach (var m in cfg.Spec.Mounts ?? [])
        {
            string dest = GoPath.Clean(m.Destination);
            if (dest == "/proc" && m.Type == "proc") proc = true;
            else if (dest == "/sys") sys = true;
        }
        if ((proc && sys) || TestKnob.FailAt("no-gc-fence")) return;
        long budget = (64L << 20) + 8L * configBytes;
        if (!HeapPrefault.HoldOffCollections(budget))
            throw new ContainerException($"cannot hold garbage collections off for {budget >> 20} MiB: the container mounts no procfs on /proc or nothing on /sys, and a collection would read the image's files there");
    }

    private static InitConfig ReadConfig(SafeFd sock, out int configBytes)
    {
        Span<byte> len = stackalloc byte[4];
        ReadExactly(sock, len);
        int n = configBytes = BinaryPrimitives.ReadInt32LittleEndian(len);
        if (n <= 0 || n > 64 << 20) throw new ContainerException($"bad init config length {n}");
        byte[] json = new byte[n];
        ReadExactly(sock, json);
        return JsonShapes.Read<InitConfig>(json, SkiffShapes.InitConfig)
            ?? throw new ContainerException("empty init config");
    }

    /// <summary>The exec fifo and the console socket, when the parent has them: after the config (<see cref="InitFds"/>).</summary>
    private static (int Fifo, int Console) ReadFds(SafeFd sock)
    {
        Span<byte> which = stackalloc byte[1];
        Span<int> fds = stackalloc int[2];
        int n = Libc.RecvWithFds(sock, which, fds, out int count, out int flags);
        if (n != 1) throw new ContainerException("init pipe closed before the fds arrived");
        int expected = ((which[0] & InitFds.Fifo) != 0 ? 1 : 0) + ((which[0] & InitFds.Console) != 0 ? 1 : 0);
        if (count != expected || (flags & Libc.MSG_CTRUNC) != 0)
        {
            for (int i = 0; i < count; i++) Libc.close(fds[i]);
            throw new ContainerException($"init got {count} fds after its config, expected {expected}");
        }
        int next = 0, fifo = -1, console = -1;
        if ((which[0] & InitFds.Fifo) != 0) fifo = fds[next++];
        if ((which[0] & InitFds.Console) != 0) console = fds[next++];
        return (fifo, console);
    }

    private static void ReadExactly(SafeFd fd, Span<byte> buf)
    {
        int off = 0;
        while (off < buf.Length)
        {
            int r = Libc.Read(fd, buf[off..], "read init pipe");
            if (r == 0) throw new ContainerException("init pipe closed before the config arrived");
            off += r;
        }
    }
}
