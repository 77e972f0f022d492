using Skiff.RuntimeSpec.Json;
using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer.Wire;
using System.Text;
using System.Text.Json;
using Skiff.Cgroups;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Hooks;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// What starting init and starting an exec'd (setns) process share (runc's process_linux.go): spawn
/// `skiff init`, hand nsexec its bootstrap data, put the process nsexec reports in its cgroup, send the config,
/// then serve the sync protocol, one handler per message, until the child closes the sync socket just before it
/// execs.
/// </summary>
internal abstract class ParentProcess
{
    protected readonly InitConfig _config;
    protected readonly ICgroupManager _cgroup;
    private readonly SafeFd? _fifo;
    private readonly SafeFd? _console;

    protected ParentProcess(InitConfig config, ICgroupManager cgroup, SafeFd? fifo, SafeFd? console)
    {
        _config = config;
        _cgroup = cgroup;
        _fifo = fifo;
        _console = console;
    }

    /// <summary>The pid of the process that will exec (nsexec's stage 2).</summary>
    public int Pid { get; private set; }

    /// <summary>Called with <see cref="Pid"/> as soon as nsexec reports it (create records it in state.json).</summary>
    public Action<int>? RecordPid { get; init; }

    /// <summary>`skiff init` spawned already (create and run spawn it before they read the config); null: spawned
    /// in <see cref="Start"/>.</summary>
    public InitChild? Child { get; init; }

    /// <summary>Starts the process; on any failure kills it and rethrows (the caller's rollback removes the rest).</summary>
    public void Start(Rollback rb)
    {
        InitChild child = Child ?? InitChild.Spawn(_config.PreserveFds, _config.IsSetns);
        child.Adopt();
        using var initSock = child.InitSock;
        using var sync = child.Sync;
        var logs = child.Logs;
        int stage0 = child.Stage0;
        if (child.PreserveFds != _config.PreserveFds || child.IsSetns != _config.IsSetns)
        {
            KillAndReap(stage0, 0);
            throw new InvalidOperationException($"init was spawned for {child.PreserveFds} preserved fds (setns {child.IsSetns}), the config has {_config.PreserveFds} (setns {_config.IsSetns})");
        }
        int stage1 = 0, speculative = child.SpeculativePid;
        rb.Add("kill bootstrap", () => KillAndReap(stage0, stage1));
        rb.Add("kill speculative init", () => KillAndReap(speculative, 0));
        TestKnob.Crash("spawn");
        ulong oomBefore = ulong.MaxValue; // unknown until the cgroup is joined
        try
        {
            // An exec'd process joins cgroups that exist: a few writes, done before the bootstrap, so everything
            // nsexec forks starts inside them (with pids.max reached, its fork fails, as it must). An early-spawned
            // exec's nsexec has forked the process into the container's namespaces before its bootstrap, most
            // likely (nsexec.c, speculate_setns): that process joins them once nsexec reports it again, below.
            bool joinsLate = false, configSent = false;
            if (_config.IsSetns)
            {
                if (!child.BootstrapSent) speculative = child.ReadSpeculativeReport();
                TestKnob.SpeculativeExecGone(speculative);
                joinsLate = speculative > 0;
                if (!joinsLate) JoinCgroup(stage0, ref oomBefore);
            }
            // create sent it already, as soon as it had the config (the same message: InitProcess.BootstrapFor)
            if (!child.BootstrapSent)
            {
                Libc.WriteAll(initSock, Bootstrap().Encode(), "write bootstrap data");
                speculative = child.ReadSpeculativeReport();
            }
            // a container's cgroup directories are made while nsexec works; init joins them below
            if (!_config.IsSetns) PrepareCgroup();
            (stage1, Pid) = ReadPids(initSock);
            // a speculative init nsexec did not keep (the config wants other namespaces) is gone: reap it
            if (speculative > 0 && speculative != Pid) KillAndReap(speculative, 0);
            speculative = 0;
            RecordPid?.Invoke(Pid);
            TestKnob.Crash("pids");
            PhaseTrace.Mark("nsexec reported the pids");
            rb.Add(_config.IsSetns ? "kill exec process" : "kill init", () => KillAndReap(Pid, 0));
            // A container's init joins its new cgroup here, while init's .NET runtime starts: making the cgroup costs
            // milliseconds (a v1 cpuset one about 5). Init does nothing of the container's before the fds
            // message, below, and forks nothing before: everything the container runs is made inside the cgroup.
            // What the runtime's start allocated stays charged where skiff runs; a new cgroup namespace is unshared
            // by init once it is in its cgroup (StandardInit).
            if (!_config.IsSetns)
            {
                TestKnob.InitFailedBeforeCgroup(sync.Fd);
                JoinCgroup(Pid, ref oomBefore);
            }
            else if (joinsLate)
            {
                // init decodes its config meanwhile; it forks and runs nothing of the container's before the fds
                WriteConfig(initSock, _config);
                configSent = true;
                PhaseTrace.Mark("config sent");
                BeforeJoiningLate(Pid);
                JoinCgroup(Pid, ref oomBefore);
                CheckJoinedLate(Pid);
            }
            int rc0 = Libc.WaitExit(stage0);
            int rc1 = stage1 > 0 ? Libc.WaitExit(stage1) : 0; // no stage 1 without a user namespace
            stage0 = stage1 = 0;
            if (rc0 != 0 || rc1 != 0) throw new ContainerException($"nsexec bootstrap exited with status {Math.Max(rc0, rc1)}");
            // create may have sent it already, while it made the cgroups (InitChild.SendConfig)
            if (!child.ConfigSent && !configSent) WriteConfig(initSock, _config);
            // init waits for these before anything of the container's: they say it is in its cgroup
            SendFds(initSock);
            TestKnob.Crash("config");
            PhaseTrace.Mark(child.ConfigSent || configSent ? "fds sent" : "config and fds sent");
            Serve(sync);
            PhaseTrace.Mark("init closed the sync socket");
        }
        catch (Exception ex)
        {
            // init may still hold the log pipe: the rollback kills it, so do not wait for the pipe here
            throw Explain(ex, logs, oomBefore);
        }
        // all of init's log lines are forwarded before we return (init closes the pipe before the exec fifo)
        logs.Wait(TimeSpan.FromSeconds(5));
    }

    private void JoinCgroup(int pid, ref ulong oomBefore)
    {
        ApplyCgroup(pid);
        TestKnob.Crash("cgroup");
        oomBefore = SafeOomCount();
        PhaseTrace.Mark("cgroup applied");
    }

    /// <summary>Makes the container's cgroup directories ahead of <see cref="ApplyCgroup"/> (best effort).</summary>
    protected virtual void PrepareCgroup()
    {
        _cgroup.Prepare();
        PhaseTrace.Mark("cgroup directories made");
    }

    /// <summary>Puts <paramref name="pid"/> into the container's cgroup: init (nsexec's stage 2, before its config),
    /// or an exec's stage 0 (before its bootstrap).</summary>
    protected virtual void ApplyCgroup(int pid) => _cgroup.Apply(pid);

    /// <summary>
    /// An exec's process that nsexec forked before its bootstrap (nsexec.c, speculate_setns) and that joined its
    /// cgroups only now: throws what a process forked inside them would have met (<see cref="SetnsProcess"/>).
    /// </summary>
    protected virtual void CheckJoinedLate(int pid) { }

    /// <summary>What the bootstrap process would have had before it forked such a process (its CPU affinity).</summary>
    protected virtual void BeforeJoiningLate(int pid) { }

    /// <summary>The namespaces nsexec creates or joins.</summary>
    protected abstract BootstrapData Bootstrap();

    /// <summary>procHooks (init only): cgroup limits, prestart and createRuntime hooks.</summary>
    protected virtual void OnHooks() => throw new ContainerException("unexpected procHooks from a setns process");

    /// <summary>procReady: rlimits by prlimit, before procRun (an exec'd process execs right after it).</summary>
    protected virtual void OnReady()
    {
        if (_config.Process.Rlimits is { Count: > 0 } rl) Rlimits.Set(Pid, rl);
    }

    /// <summary>After procRun is sent (init: state.json, while init drops its privileges).</summary>
    protected virtual void OnRunSent() { }

    /// <summary>
    /// The pid the agent sees as the container's (state.pid): init's own for init; for an exec'd process the
    /// container's init (the caller sets it), the exec'd process being the message's top-level pid.
    /// </summary>
    internal int StatePid { get; set; }

    /// <summary>
    /// procSeccomp (runc's process_linux.go): copies the child's notify fd (pidfd_open + pidfd_getfd), lets the
    /// child go on (procSeccompDone: it waits for the agent anyway if it hits a notified syscall), then sends the
    /// OCI ContainerProcessState with the fd (SCM_RIGHTS) to the agent listening at listenerPath.
    /// </summary>
    private void OnSeccomp(SyncSocket sync, string? fdText)
    {
        var seccomp = _config.Spec.Linux?.Seccomp;
        if (string.IsNullOrEmpty(seccomp?.ListenerPath))
            throw new ContainerException("seccomp listenerPath is not set");
        if (!int.TryParse(fdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int childFd))
            throw new ContainerException($"sync \"procSeccomp\" passed invalid fd arg: {fdText}");
        SafeFd notifyFd;
        try
        {
            using var pidfd = Libc.PidfdOpen(Pid);
            notifyFd = Libc.PidfdGetfd(pidfd, childFd);
        }
        catch (SyscallException ex)
        {
            throw new ContainerException($"sync \"procSeccomp\" get fd {childFd} from child failed", ex);
        }
        using (notifyFd)
        {
            sync.Send(SyncType.procSeccompDone);
            State state = OciState(_config.IsSetns ? "running" : "creating");
            state.OciVersion = DefaultSpec.OciVersion;
            if (StatePid > 0) state.Pid = StatePid;
            byte[] json = Seccomp.SeccompAgentProtocol.ContainerProcessState(DefaultSpec.OciVersion,
                [Seccomp.SeccompAgentProtocol.SeccompFdName], Pid, seccomp.ListenerMetadata, state);
            SafeFd conn;
            try
            {
                conn = Libc.ConnectUnix(seccomp.ListenerPath);
            }
            catch (SyscallException ex)
            {
                throw new ContainerException("failed to connect with seccomp agent specified in the seccomp profile",
                    new ContainerException($"dial unix {seccomp.ListenerPath}", ex));
            }
            using (conn)
            {
                try
                {
                    int sent = Libc.SendWithFds(conn, json, [notifyFd.Fd]);
                    if (sent < json.Length) Libc.WriteAll(conn, json.AsSpan(sent), "write");
                }
                catch (SyscallException ex)
                {
                    throw new ContainerException($"cannot send seccomp fd to {seccomp.ListenerPath}", ex);
                }
            }
        }
    }

    /// <summary>
    /// procMountPlease (init only, before procHooks): the source of an idmapped mount, or of a bind mount the
    /// container cannot reach, made here and sent back with procMountFd. Not for rootless containers, which cannot
    /// set MOUNT_ATTR_IDMAP nor do OPEN_TREE_CLONE (runc's goCreateMountSources).
    /// </summary>
    private void OnMountPlease(SyncSocket sync, string? request)
    {
        if (_config.RootlessEuid) throw new ContainerException("cannot fulfil mount requests as a rootless user");
        (string type, SafeFd fd) src;
        try
        {
            src = MountSourceMaker.Create(Pid, request, _config.Spec, _config.Namespaces);
        }
        catch (Exception ex) when (ex is ContainerException or SyscallException)
        {
            throw new ContainerException("failed to fulfil mount request", ex);
        }
        using (src.fd) sync.Send(SyncType.procMountFd, src.type, src.fd);
    }

    private ulong SafeOomCount()
    {
        try { return _cgroup.OomKillCount(); }
        catch (Exception) { return 0; }
    }

    /// <summary>Turns a start failure into the error the user sees: init's own message, a fatal log line, or OOM.</summary>
    private Exception Explain(Exception ex, LogForwarder logs, ulong oomBefore)
    {
        if (SafeOomCount() > oomBefore)
            // someone in the cgroup was OOM-killed: for init that is the cause, for exec it might be (as runc)
            return _config.IsSetns ? new ContainerException($"{ErrorText.Render(ex)} (possibly OOM-killed)")
                : new ContainerException("container init was OOM-killed (memory limit too low?)", ex is InitException ? ex : null);
        if (ex is InitException) return ex;
        // the child may have died with only a fatal log line (nsexec's bail): give it a moment to arrive
        logs.Wait(TimeSpan.FromMilliseconds(500));
        string? fatal = logs.FatalText;
        if (fatal is not null) return new InitException(fatal);
        return ex;
    }

    /// <summary>Reads nsexec's one-line JSON report {"stage1_pid":N,"stage2_pid":M} (N is 0 when there is no stage 1).</summary>
    internal static (int Stage1, int Stage2) ReadPids(SafeFd sock)
    {
        var line = new List<byte>(64);
        Span<byte> one = stackalloc byte[1];
        while (true)
        {
            int n = Libc.Read(sock, one, "read init pipe");
            if (n == 0) throw new ContainerException("nsexec exited before reporting the init pid");
            if (one[0] == (byte)'\n') break;
            line.Add(one[0]);
            if (line.Count > 4096) throw new ContainerException("nsexec sent an overlong pid report");
        }
        try
        {
            using var doc = JsonDocument.Parse(line.ToArray());
            int s1 = doc.RootElement.GetProperty("stage1_pid").GetInt32();
            int s2 = doc.RootElement.GetProperty("stage2_pid").GetInt32();
            return (s1, s2);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ContainerException($"malformed pid report from nsexec: {Encoding.UTF8.GetString(line.ToArray())}", ex);
        }
    }

    /// <summary>
    /// A write that failed because nothing holds the other end of the socket any more (EPIPE, ECONNRESET; possibly
    /// wrapped): init, or nsexec before it, failed and is gone. Its reason comes on the sync socket or the log pipe,
    /// which the caller goes on to read, so the write's own error is not the one to report.
    /// </summary>
    internal static bool PeerGone(Exception ex) => ex.Has(Errno.EPIPE) || ex.Has(Errno.ECONNRESET);

    /// <summary>The config message: its length (4 bytes, little-endian), then its JSON.</summary>
    internal static void WriteConfig(SafeFd sock, InitConfig config)
    {
        byte[] json = JsonShapes.ToUtf8(config, SkiffShapes.InitConfig);
        Span<byte> len = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(len, json.Length);
        Libc.WriteAll(sock, len, "write init config");
        Libc.WriteAll(sock, json, "write init config");
    }

    /// <summary>
    /// The fds init did not get at spawn, after the config: one byte saying which (1 exec fifo, 2 console socket)
    /// with those fds, in that order, as SCM_RIGHTS.
    /// </summary>
    private void SendFds(SafeFd sock)
    {
        var fds = new List<int>(2);
        byte which = 0;
        if (_fifo is not null)
        {
            which |= InitFds.Fifo;
            fds.Add(_fifo.Fd);
        }
        if (_console is not null)
        {
            which |= InitFds.Console;
            fds.Add(_console.Fd);
        }
        try
        {
            if (Libc.SendWithFds(sock, [which], fds.ToArray()) != 1) throw new ContainerException("short write of init's fds");
        }
        catch (SyscallException ex) when (PeerGone(ex))
        {
            // init had its config early (create) and failed on it meanwhile: its procError (or its silence) is the
            // next message on the sync socket, which says why
        }
    }

    private void Serve(SyncSocket sync)
    {
        var seq = new SyncSequence(_config.IsSetns);
        while (true)
        {
            SyncMessage? m = sync.Receive();
            if (m is null)
            {
                seq.AcceptClose();
                return;
            }
            var msg = m.Value;
            if (PhaseTrace.On) PhaseTrace.Mark($"recv {msg.Type.Name()}");
            if (msg.Type == SyncType.procError) throw new InitException(msg.Message ?? "unknown error");
            seq.Accept(msg.Type);
            if (TestKnob.Enabled) TestKnob.Crash(msg.Type.Name());
            switch (msg.Type)
            {
                case SyncType.procHooks:
                    OnHooks();
                    PhaseTrace.Mark("cgroup limits set, prestart/createRuntime hooks run");
                    TestKnob.InitGoneBeforeHooksAnswer(Pid, sync.Fd);
                    try
                    {
                        sync.Send(SyncType.procHooksDone);
                    }
                    catch (ContainerException ex) when (PeerGone(ex))
                    {
                        // Without hooks init switches its root without waiting for this answer (StandardInit); one
                        // that failed meanwhile is gone, and its procError (or its silence) is the next message.
                    }
                    break;
                case SyncType.procReady:
                    OnReady();
                    PhaseTrace.Mark("rlimits set");
                    sync.Send(SyncType.procRun);
                    OnRunSent();
                    break;
                case SyncType.procSeccomp:
                    OnSeccomp(sync, msg.Message);
                    break;
                case SyncType.procMountPlease:
                    OnMountPlease(sync, msg.Message);
                    break;
                default:
                    throw new ContainerException($"sync message {msg.Type.Name()} is not supported yet");
            }
        }
    }

    internal State OciState(string status) => States.Of(_config.Spec, _config.ContainerId, status, Pid, _config.Bundle);

    /// <summary>SIGKILL and reap our own children (stage 0/1/2 are all children of this process).</summary>
    internal static void KillAndReap(int a, int b)
    {
        foreach (int pid in new[] { a, b })
        {
            if (pid <= 0) continue;
            Libc.kill(pid, 9);
            Libc.WaitExit(pid);
        }
    }
}
