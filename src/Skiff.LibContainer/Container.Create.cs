using Skiff.Cgroups;
using Skiff.Cgroups.Rdt;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Hooks;
using Skiff.LibContainer.Processes;
using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>`create`: starts init, which waits on the exec fifo; returns once state.json is written.</summary>
    public static Container Create(CreateOptions options) => Create(options, options.Config, runConsole: null);

    private static Container Create(CreateOptions o, ContainerConfig? cfg, SafeFd? runConsole)
    {
        Ids.Validate(o.Id);
        cfg ??= LoadConfig(o);
        PhaseTrace.Mark("config loaded and validated");
        var spec = cfg.Spec;
        var process = spec.Process!;
        var namespaces = cfg.Namespaces;
        var (rootUid, rootGid) = HostRootIds(spec.Linux, namespaces);
        var config = new InitConfig
        {
            ContainerId = o.Id,
            Bundle = o.Bundle,
            Rootfs = spec.Root!.Path,
            Spec = spec,
            Process = process,
            NoPivot = o.NoPivot,
            NoNewKeyring = o.NoNewKeyring,
            PreserveFds = o.PreserveFds + ListenFds(),
            CreateConsole = process.Terminal,
            Namespaces = namespaces,
            RootlessEuid = cfg.RootlessEuid,
            RootlessCgroups = o.RootlessCgroups,
        };
        // init, spawned already, makes the namespaces and starts its runtime while the rest is made here
        if (o.Init is { IsSetns: false } early && early.PreserveFds == config.PreserveFds)
        {
            early.SendBootstrap(InitProcess.BootstrapFor(config).Encode());
            PhaseTrace.Mark("bootstrap sent");
            TestKnob.Fail("bootstrap", early.InitSock);
        }

        string stateDir = MakeStateDir(o.Root, o.Id);

        using var rb = new Rollback();
        rb.Add("remove state directory", () => Directory.Delete(stateDir, recursive: true));
        using var dirLock = StateLock.Acquire(stateDir);

        var linux = spec.Linux!;
        // nothing is created by the managers until Apply: their paths can be recorded first
        var cgroup = CgroupManagerFactory.Create(o.Id, linux.CgroupsPath, o.SystemdCgroup, rootless: o.RootlessCgroups,
            resources: linux.Resources);
        CheckCgroupUnused(cgroup); // before anything owns it: a failure here must leave a pre-existing cgroup alone
        IntelRdtManager? rdt = null;
        if (linux.IntelRdt is { } rdtConfig)
        {
            string rdtRoot = IntelRdtManager.FindRoot();
            IntelRdtManager.Validate(rdtConfig, RdtFeatures.Detect(rdtRoot));
            rdt = new IntelRdtManager(rdtConfig, o.Id, rdtRoot);
        }
        config.CgroupPaths = new Dictionary<string, string>(cgroup.Paths);
        // Init decodes its config and does what needs no cgroup while the rest is made here; the fds that follow it
        // once init is in its cgroup let it go on (ParentProcess.Start). Rootless, Apply may drop a hierarchy init
        // must not mount: the config then goes after it, with the paths Apply left.
        if (o.Init is { BootstrapSent: true } child && !o.RootlessCgroups)
        {
            child.SendConfig(config);
            PhaseTrace.Mark("config sent");
        }
        // Crash consistency: state.json lists what is about to be made before any of it exists, so that a create
        // killed at any later moment leaves a record `delete --force` removes everything by (see ContainerState).
        var state = new ContainerState
        {
            Id = o.Id,
            Bundle = o.Bundle,
            Rootfs = spec.Root!.Path,
            Created = DateTimeOffset.UtcNow,
            SystemdCgroup = o.SystemdCgroup,
            IntelRdtPath = rdt?.GroupPath,
            Rootless = o.RootlessCgroups,
            Config = spec,
            CgroupPaths = new Dictionary<string, string>(cgroup.Paths),
            Creating = true,
            CreatorPid = Environment.ProcessId,
            CreatorStart = ProcStat.Read(Environment.ProcessId)?.Start ?? 0,
        };
        var container = new Container(o.Root, state);
        container.SaveState();
        TestKnob.Crash("state");
        rb.Add("destroy cgroup", cgroup.Destroy);
        if (rdt is not null) rb.Add("destroy intel rdt group", rdt.Destroy);

        string fifoPath = Path.Combine(stateDir, FifoName);
        Check.Rc(Libc.mkfifo(fifoPath, 0x192 /* 0622 */), "mkfifo", fifoPath);
        Check.Rc(Libc.chmod(fifoPath, 0x192 /* 0622 */), "chmod", fifoPath);
        // The container's root (a mapped uid with a user namespace) opens the fifo from inside (runc's
        // createExecFifo).
        if (rootUid != Libc.geteuid() || rootGid != Libc.getegid())
            Check.Rc(Libc.chown(fifoPath, rootUid, rootGid), "chown", fifoPath);
        using var fifo = Libc.Open(fifoPath, Libc.O_PATH);
        TestKnob.Crash("fifo");
        PhaseTrace.Mark("state dir, exec fifo, cgroup manager");

        using SafeFd? console = o.ConsoleSocket is not null ? ConsoleSocket.Connect(o.ConsoleSocket) : null;
        var init = new InitProcess(config, cgroup, fifo, console ?? runConsole, (pid, start) =>
        {
            state.InitPid = pid;
            state.InitStart = start;
            state.CgroupPaths = new Dictionary<string, string>(cgroup.Paths);
            state.IntelRdtCreated = rdt?.Created ?? false;
            state.ExternalDescriptors = Criu.CriuCommon.StdioOf(pid);
            state.NamespacePaths = namespaces.StatePaths(pid);
            state.Creating = false;
            container.SaveState();
            TestKnob.Crash("state-ready");
            return state;
        })
        {
            Child = o.Init,
            IntelRdt = rdt,
            // init's pid is on record as soon as nsexec reports it: a crash from here on leaves it to delete
            RecordPid = pid =>
            {
                state.InitPid = pid;
                state.InitStart = ProcStat.Read(pid)?.Start ?? 0;
                container.SaveState();
            },
        };
        try
        {
            init.Start(rb);
        }
        catch (Exception ex)
        {
            throw new ContainerException("unable to start container process", ex);
        }
        if (o.PidfdSocket is not null) SendPidfd(o.PidfdSocket, init.Pid, "standard");
        if (o.PidFile is not null) WritePidFile(o.PidFile, init.Pid);
        rb.Commit();
        TestKnob.Crash("done");
        PhaseTrace.Mark("created");
        return container;
    }

    /// <summary>The bundle's config, for callers that did not load it themselves (<see cref="CreateOptions.Config"/>).</summary>
    private static ContainerConfig LoadConfig(CreateOptions o) => ContainerConfig.Load(o.Bundle, o.SystemdCgroup);

    /// <summary>runc's HostRootUID/HostRootGID: who the container's root is on the host (0 without a user
    /// namespace; the mapped ids of a joined one as /proc shows them, when its path is a /proc one).</summary>
    internal static (uint Uid, uint Gid) HostRootIds(RuntimeSpec.Linux? linux, NamespaceSet namespaces)
    {
        if (!namespaces.Has("user")) return (0, 0);
        if (namespaces.JoinedPath("user") is { } userNsPath)
        {
            var maps = IdMappings.OfNamespacePath(userNsPath);
            if (maps is null) return (0, 0);
            return (IdMappings.HostId(maps.Value.Uid, 0) ?? 0, IdMappings.HostId(maps.Value.Gid, 0) ?? 0);
        }
        return (IdMappings.HostIdOrThrow(linux!.UidMappings, 0, "uid"), IdMappings.HostIdOrThrow(linux.GidMappings, 0, "gid"));
    }

    /// <summary>Makes root/id, the new container's state directory (and root, 0711, when missing): the one place a
    /// container id is claimed (EEXIST: "container with given ID already exists"), for create and restore.</summary>
    private static string MakeStateDir(string root, string id)
    {
        MkdirAll(root, 0x1C9 /* 0711 */);
        string stateDir = Path.Combine(root, id);
        Errno mk = Check.Try(Libc.mkdir(stateDir, 0x1C9 /* 0711 */));
        if (mk == Errno.EEXIST) throw new ContainerException("container with given ID already exists");
        if (mk != Errno.OK) throw new SyscallException("mkdir", mk, stateDir);
        return stateDir;
    }

    private static void MkdirAll(string dir, uint mode)
    {
        if (Directory.Exists(dir)) return;
        string? parent = Path.GetDirectoryName(dir);
        if (parent is not null && parent != dir) MkdirAll(parent, 0x1ED /* 0755 */);
        Errno e = Check.Try(Libc.mkdir(dir, mode));
        if (e is not (Errno.OK or Errno.EEXIST)) throw new SyscallException("mkdir", e, dir);
    }

    /// <summary>Spawns `skiff init` before the config is read: for a create or run (<see cref="CreateOptions.Init"/>;
    /// LISTEN_FDS are passed on too), or for an exec (<paramref name="setns"/>, <see cref="ExecOptions.Init"/>).</summary>
    public static InitChild SpawnInit(int preserveFds, bool setns = false) =>
        InitChild.Spawn(setns ? preserveFds : preserveFds + ListenFds(), setns);

    /// <summary>systemd socket activation: LISTEN_FDS fds at 3.. are passed on as runc does.</summary>
    private static int ListenFds()
    {
        string? s = Environment.GetEnvironmentVariable("LISTEN_FDS");
        return s is not null && int.TryParse(s, out int n) && n > 0 ? n : 0;
    }

    private static void WritePidFile(string path, int pid)
    {
        string full = Path.GetFullPath(path);
        AtomicFile.Write(full, System.Text.Encoding.ASCII.GetBytes(pid.ToString(System.Globalization.CultureInfo.InvariantCulture)), 0x1A4 /* 0644 */);
    }

    /// <summary>`start`: lets init exec the user process (it waits on the exec fifo); runs poststart hooks.</summary>
    public void Start()
    {
        switch (Status)
        {
            case ContainerStatus.Stopped: throw new ContainerException("cannot start a container that has stopped");
            case ContainerStatus.Running or ContainerStatus.Paused: throw new ContainerException("cannot start an already running container");
        }
        string fifoPath = Path.Combine(StateDir, FifoName);
        PhaseTrace.Mark("state loaded");
        ReleaseFifo(fifoPath);
        PhaseTrace.Mark("exec fifo released: init exec'd the process");
        if (Config.Hooks?.Poststart is { Count: > 0 } hooks)
        {
            try
            {
                // the process has just exec'd: it is running even if it has already exited again (e.g. `true`)
                var state = OciState();
                state.Status = ContainerStatus.Running.Text();
                state.Pid = InitPid;
                HookRunner.Run("poststart", hooks, state);
            }
            catch (Exception)
            {
                try { Libc.kill(InitPid, 9); } catch (Exception) { }
                throw;
            }
        }
    }

    /// <summary>
    /// Opens the fifo for reading (unblocking init's open), reads init's byte, waits for init's exec (EOF: its end is
    /// close-on-exec) and removes the fifo. The open does not block (O_NONBLOCK on a fifo's read end), so no thread
    /// waits in it: poll waits for init's byte, and init's liveness is checked every 20 ms meanwhile (Linux reports
    /// no hang-up on a fifo whose writer has not come yet, so a dead init shows only that way).
    /// </summary>
    private void ReleaseFifo(string fifoPath)
    {
        SafeFd fd;
        try
        {
            fd = Libc.Open(fifoPath, Libc.O_RDONLY | Libc.O_NONBLOCK);
        }
        catch (SyscallException ex) when (ex.Errno == Errno.ENOENT)
        {
            throw new ContainerException("cannot start an already running container");
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("open exec fifo", ex);
        }
        using (fd)
        {
            while (Libc.PollOne(fd.Fd, Libc.POLLIN, 20) == 0)
            {
                // init may have written its byte, exec'd and exited (e.g. `true`) since the last poll: the byte wins
                if (!ProcStat.IsAlive(InitPid, _state.InitStart) && Libc.PollOne(fd.Fd, Libc.POLLIN, 500) == 0)
                    throw new ContainerException("container process is already dead");
            }
            int flags = Check.Rc(Libc.fcntl(fd.Fd, Libc.F_GETFL, 0), "fcntl");
            Check.Rc(Libc.fcntl(fd.Fd, Libc.F_SETFL, flags & ~Libc.O_NONBLOCK), "fcntl");
            Span<byte> b = stackalloc byte[1];
            if (Libc.Read(fd, b, "read exec fifo") == 0)
                throw new ContainerException("container process is already dead");
            // init keeps its end open until execve (close-on-exec): EOF means the process now runs
            while (Libc.Read(fd, b, "read exec fifo") > 0) { }
        }
        Libc.unlink(fifoPath);
    }

    /// <summary>
    /// runc 1.2's checks of a cgroup that already exists: no processes in it (they would become the container's),
    /// and not frozen (init would stop on its first step, and create wait for it forever). Made before the cgroup
    /// is ours to destroy on failure. On v1 only one hierarchy is looked at, as runc does.
    /// </summary>
    private static void CheckCgroupUnused(ICgroupManager cgroup)
    {
        if (cgroup.Exists())
        {
            int n;
            try { n = cgroup.GetAllPids().Count; }
            catch (Exception ex) when (ex.Has(Errno.ENOENT) || ex.Has(Errno.ENODEV)) { n = 0; } // removed meanwhile
            if (n != 0) throw new ContainerException($"container's cgroup is not empty: {n} process(es) found");
        }
        bool frozen;
        try { frozen = cgroup.IsFrozen(); }
        catch (Exception ex) when (ex is SyscallException or CgroupException)
        {
            throw new ContainerException("unable to get cgroup freezer state", ex);
        }
        if (frozen) throw new ContainerException("container's cgroup unexpectedly frozen");
    }
}
