using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// A spawned `skiff init` that has not got its bootstrap message yet. For a plain run, create or exec, nsexec's
/// constructor spawned it as this process started (<see cref="TakeEarly"/>), so that its exec and C start ran beside
/// this process's runtime start; otherwise (fds to pass on) create and run spawn it as soon as they are in the
/// bundle directory, before the config is read. nsexec waits for the bootstrap message, which create sends as soon
/// as it has the config (<see cref="SendBootstrap"/>); disposed unused (the config or the id was refused), the child
/// and whatever nsexec forked are killed and reaped here. <see cref="ParentProcess"/> takes it over with
/// <see cref="Adopt"/>; the exec fifo and the console socket follow the config on the init socket.
/// </summary>
public sealed class InitChild : IDisposable
{
    private readonly ManualResetEventSlim _spawned = new(false, spinCount: 0); // no spinning: the spawning thread needs the cpu
    private int _pid;
    private Exception? _error;
    private bool _adopted;
    private bool _speculative; // nsexec reports a speculative init before it reads the bootstrap (nsexec.c, speculate)

    private InitChild(SafeFd initSock, SyncSocket sync, LogForwarder logs, int preserveFds, bool setns)
    {
        InitSock = initSock;
        Sync = sync;
        Logs = logs;
        PreserveFds = preserveFds;
        IsSetns = setns;
    }

    /// <summary>nsexec's stage 0, the spawned process (waits for the spawn; rethrows its error).</summary>
    internal int Stage0
    {
        get
        {
            _spawned.Wait();
            if (_error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_error);
            return _pid;
        }
    }

    internal SafeFd InitSock { get; }
    internal SyncSocket Sync { get; }
    internal LogForwarder Logs { get; }
    /// <summary>fds 3..3+N-1 passed on to the container's process (--preserve-fds and LISTEN_FDS).</summary>
    internal int PreserveFds { get; }
    internal bool IsSetns { get; }

    /// <summary>
    /// Spawns `skiff init` from a clone of this binary the container cannot write (CVE-2019-5736): stdio, the
    /// <paramref name="preserveFds"/> fds after it, then the init socket, the sync socket and the log pipe. The
    /// spawn itself (posix_spawn returns once the child has exec'd, about 1 ms) runs on the log forwarder's thread,
    /// which inherits the caller's CPU affinity; <see cref="Stage0"/> waits for it.
    /// </summary>
    public static InitChild Spawn(int preserveFds, bool setns)
    {
        // runc's check, with its words, before anything is made: a missing fd would fail the spawn in a dup
        for (int fd = 3; fd < 3 + preserveFds; fd++)
        {
            if (Libc.TryStat($"/proc/self/fd/{fd}") is null)
                throw new ContainerException($"unable to stat preserved-fd {fd - 3} (of {preserveFds})",
                    new SyscallException("stat", Errno.ENOENT, $"/proc/self/fd/{fd}"));
        }
        if (preserveFds == 0 && TakeEarly(setns) is { } early) return early;
        // the binary the child runs: a clone the container cannot write, made before any fd we would leak if it failed
        SafeFd exe = ExeClone.Open();
        PhaseTrace.Mark("binary clone");
        var (initParent, initChildEnd) = Libc.SocketPair(Libc.SOCK_STREAM);
        var (syncParent, syncChildEnd) = Libc.SocketPair(Libc.SOCK_SEQPACKET);
        var (logRead, logWrite) = Libc.Pipe();

        var fdMap = new List<int> { 0, 1, 2 };
        for (int i = 0; i < preserveFds; i++) fdMap.Add(3 + i);
        fdMap.Add(initChildEnd.Fd);
        fdMap.Add(syncChildEnd.Fd);
        fdMap.Add(logWrite.Fd);
        var env = new List<string>
        {
            $"{InitEnv.InitPipe}={3 + preserveFds}",
            $"{InitEnv.SyncPipe}={4 + preserveFds}",
            $"{InitEnv.LogPipe}={5 + preserveFds}",
            $"{InitEnv.LogLevel}={(int)Log.Level}",
            $"{InitEnv.InitType}={(setns ? "setns" : "standard")}",
        };
        if (PhaseTrace.On) env.Add($"{PhaseTrace.InitEnvName}={PhaseTrace.Zero}");
        if (TestKnob.FailVariableValue is { } knob) env.Add($"{TestKnob.FailVariable}={knob}"); // init acts on some

        var logs = new LogForwarder(logRead);
        var child = new InitChild(initParent, new SyncSocket(syncParent, "parent"), logs, preserveFds, setns);
        logs.Start(() =>
        {
            try
            {
                child._pid = Spawner.Spawn("/proc/self/exe", ["skiff", "init"], env, fdMap, exe);
                PhaseTrace.Mark("spawned init");
            }
            catch (Exception ex)
            {
                child._error = ex;
            }
            finally
            {
                // our ends of the child's fds; the log pipe's write end last but not least: its EOF ends the forwarding
                initChildEnd.Dispose();
                syncChildEnd.Dispose();
                logWrite.Dispose();
                child._spawned.Set();
            }
            // the child runs the clone through its own reference now; dropping ours waits out an RCU grace period
            // (dissolving the detached mount), here, off the caller's path
            exe.Dispose();
        });
        return child;
    }

    /// <summary>
    /// The init nsexec's constructor spawned as this process started (nsexec.c, early_spawn: for a plain run,
    /// create or exec, from the same read-only clone, with the same fds and environment), when there is one of this
    /// kind: its exec and C start then ran beside this process's runtime start. Under the JIT (no nsexec linked)
    /// there is none.
    /// </summary>
    private static InitChild? TakeEarly(bool setns)
    {
        Span<int> fds = stackalloc int[4];
        int pid;
        try { pid = Libc.NsexecEarlyInit(setns, fds); }
        catch (DllNotFoundException) { return null; }
        if (pid < 0) return null;
        if (Log.IsDebug) Log.Debug("skiff exeseal: using /proc/self/exe clone (read-only detached bind mount), spawned at start");
        var logs = new LogForwarder(new SafeFd(fds[2]));
        var child = new InitChild(new SafeFd(fds[0]), new SyncSocket(new SafeFd(fds[1]), "parent"), logs, 0, setns)
        {
            _pid = pid,
            // nsexec's stage 0 reports a speculative init (or none) first: speculate, speculate_setns in nsexec.c
            _speculative = true,
        };
        child._spawned.Set();
        var exe = new SafeFd(fds[3]);
        // the child has exec'd (nsexec_early_init waited for that): dropping our reference to the clone waits out an
        // RCU grace period, here, off the caller's path
        logs.Start(() =>
        {
            PhaseTrace.Mark("spawned init (at start)");
            exe.Dispose();
        });
        return child;
    }

    /// <summary>Whether <see cref="SendBootstrap"/> sent nsexec its message already.</summary>
    internal bool BootstrapSent { get; private set; }

    /// <summary>
    /// The speculative init nsexec forked before the bootstrap message (an early-spawned run or create: nsexec.c,
    /// speculate), once its report is read; 0 when there is none. nsexec's report after the message names it again
    /// as init when the config asks for just its namespaces; otherwise nsexec has killed it, and it is ours to reap
    /// (our child).
    /// </summary>
    internal int SpeculativePid { get; private set; }

    /// <summary>Reads nsexec's report of the speculative init, once (it comes before nsexec reads the bootstrap
    /// message); returns <see cref="SpeculativePid"/>.</summary>
    internal int ReadSpeculativeReport()
    {
        if (_speculative)
        {
            _speculative = false;
            SpeculativePid = ParentProcess.ReadPids(InitSock).Stage2;
        }
        return SpeculativePid;
    }

    /// <summary>
    /// Sends nsexec its bootstrap message ahead of <see cref="ParentProcess.Start"/> (create, as soon as the config
    /// is loaded): the namespaces are made and init's runtime starts while the state directory and the cgroups are
    /// made here. Nothing nsexec makes outlives its processes; unused, <see cref="Dispose"/> kills them all.
    /// </summary>
    public void SendBootstrap(ReadOnlySpan<byte> message)
    {
        if (_adopted || BootstrapSent) throw new InvalidOperationException("init has its bootstrap message already");
        Libc.WriteAll(InitSock, message, "write bootstrap data");
        BootstrapSent = true;
        ReadSpeculativeReport(); // sent before nsexec read the message: there already
    }

    /// <summary>Whether <see cref="SendConfig"/> sent init its config already.</summary>
    internal bool ConfigSent { get; private set; }

    /// <summary>
    /// Sends init its config ahead of <see cref="ParentProcess.Start"/>, after the bootstrap message (create, once the
    /// cgroup paths are known and unless Apply may still change them): init decodes it and does what needs no cgroup
    /// (loopback, seccomp compile) while the state directory and the cgroups are made here, then waits for the fds
    /// message, which comes only once it is in its cgroup.
    /// </summary>
    public void SendConfig(InitConfig config)
    {
        if (_adopted || !BootstrapSent || ConfigSent) throw new InvalidOperationException("init's config goes after its bootstrap message, once");
        ConfigSent = true;
        try
        {
            ParentProcess.WriteConfig(InitSock, config);
        }
        catch (SyscallException ex) when (ParentProcess.PeerGone(ex))
        {
            // nsexec failed on the bootstrap message (a namespace path it could not join), or init on its config, and
            // everything that held the socket is gone: ParentProcess.Start says why (nsexec's fatal log line, init's
            // procError) when it reads the pids and serves the sync socket
        }
    }

    /// <summary>The caller (<see cref="ParentProcess.Start"/>) owns the process and the sockets from now on.</summary>
    internal void Adopt() => _adopted = true;

    /// <summary>
    /// Unused: closes the sockets (nsexec exits quietly on the closed init socket), kills and reaps. After the
    /// bootstrap message, nsexec has forked init (and stage 1) or is about to: its report of their pids, or its exit
    /// without one, is waited for first, so that they are killed and reaped too.
    /// </summary>
    public void Dispose()
    {
        if (_adopted) return;
        _adopted = true;
        _spawned.Wait();
        int stage1 = 0, stage2 = 0;
        if (_error is null)
        {
            try
            {
                ReadSpeculativeReport();
                if (BootstrapSent) (stage1, stage2) = ParentProcess.ReadPids(InitSock);
            }
            catch (Exception ex) when (ex is ContainerException or SyscallException) { }
        }
        InitSock.Dispose();
        Sync.Dispose();
        ParentProcess.KillAndReap(stage2, stage1);
        if (SpeculativePid != stage2) ParentProcess.KillAndReap(SpeculativePid, 0);
        if (_error is not null) return;
        ParentProcess.KillAndReap(_pid, 0);
    }
}
