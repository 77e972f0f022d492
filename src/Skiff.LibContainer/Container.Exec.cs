using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer.Processes;
using Skiff.LibContainer.Wire;
using Skiff.Linux;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `exec`: runs a new process in the container's namespaces and cgroup. Detached it returns 0 once the
    /// process runs; in the foreground it forwards signals (and the terminal) and returns the exit status
    /// (128+N when killed by signal N). <paramref name="spec"/> is the spec the process is built from (runc reads
    /// the bundle's config.json again); null means the one saved at create.
    /// </summary>
    public int Exec(ExecOptions o, RuntimeSpec.Spec? spec = null)
    {
        switch (Status)
        {
            case ContainerStatus.Stopped: throw new ContainerException("cannot exec in a stopped container");
            case ContainerStatus.Creating: throw new ContainerException("cannot exec in a container that is being created");
            case ContainerStatus.Paused when !o.IgnorePaused:
                throw new ContainerException("cannot exec in a paused container (use --ignore-paused to override)");
        }
        if (string.IsNullOrEmpty(o.ProcessFile) && o.Args.Count == 0) throw new ContainerException("process args cannot be empty");
        var process = o.BuildProcess(spec ?? Config);
        Configs.Validate.ProcessAttributes(process);
        var affinity = Configs.Validate.ExecCpuAffinity(process.ExecCpuAffinity);
        var subCgroups = ExecOptions.ParseSubCgroups(o.SubCgroups);
        CheckTerminal(o.Detach, process.Terminal, o.ConsoleSocket);

        var cgroup = Cgroup();
        var cgroupPaths = SubCgroupPaths(cgroup.Paths, subCgroups);
        // execCPUAffinity (runc 1.3) decides when given; else the isolated-cpu annotation of runc 1.2
        var (cpu, definitive) = affinity is null ? CpuAffinity.Transition("/", Config.Linux?.Resources?.Cpu?.Cpus, Config.Annotations) : (-1, false);
        IReadOnlyCollection<int>? initialCpus = affinity?.Initial ?? (cpu >= 0 ? [cpu] : null);
        // the group made at create (state.json), so a test root for resctrl is honoured too
        string? rdt = string.IsNullOrEmpty(_state.IntelRdtPath) ? null : _state.IntelRdtPath;

        SafeFd? ourEnd = null, theirEnd = null;
        if (process.Terminal && o.ConsoleSocket is null) (ourEnd, theirEnd) = Libc.SocketPair(Libc.SOCK_STREAM);
        using SafeFd? console = o.ConsoleSocket is not null ? ConsoleSocket.Connect(o.ConsoleSocket) : theirEnd;
        var config = new InitConfig
        {
            ContainerId = Id,
            Bundle = Bundle,
            Rootfs = Rootfs,
            Spec = Config,
            Process = process,
            IsSetns = true,
            PreserveFds = o.PreserveFds,
            CreateConsole = process.Terminal,
        };
        var p = new SetnsProcess(config, cgroup, _state.NamespacePaths, console, cgroupPaths,
            initPid: subCgroups is null ? InitPid : 0, rdt, resetAffinity: affinity is null && !definitive, affinity?.Final)
        {
            // the seccomp agent is told the container's state, whose pid is init's (as runc)
            StatePid = InitPid,
            Child = o.Init,
            InitAlive = () => ProcStat.IsAlive(_state.InitPid, _state.InitStart),
        };
        using (var rb = new Rollback())
        {
            try
            {
                if (initialCpus is not null) StartOnCpus(p, rb, initialCpus, affinity is not null);
                else p.Start(rb);
            }
            catch (Exception ex)
            {
                ourEnd?.Dispose();
                throw new ContainerException("unable to start container process", ex);
            }
            finally
            {
                theirEnd?.Dispose();
            }
            rb.Commit();
        }
        if (o.PidfdSocket is not null) SendPidfd(o.PidfdSocket, p.Pid, "setns");
        if (o.PidFile is not null) WritePidFile(o.PidFile, p.Pid);
        if (o.Detach) return 0;
        return ForegroundRunner.Run(p.Pid, ourEnd, subreaper: false);
    }

    /// <summary>
    /// Starts the process from a thread pinned to <paramref name="cpus"/>: the bootstrap inherits the affinity, so it
    /// enters the container's cgroup on those cpus (runc's startWithCPUAffinity: execCPUAffinity.initial, or the
    /// isolated-cpu transition). The thread then ends.
    /// </summary>
    private static void StartOnCpus(SetnsProcess p, Rollback rb, IReadOnlyCollection<int> cpus, bool initialAffinity)
    {
        if (p.Child is { } child)
        {
            // spawned already: its stage 0 gets the cpus before its bootstrap, so the process nsexec forks, which
            // joins the cgroup, inherits them; one nsexec forked before its bootstrap gets them before it joins
            SetnsProcess.Pin(child.Stage0, cpus, initialAffinity);
            p.PinnedTo = (cpus, initialAffinity);
            p.Start(rb);
            return;
        }
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                SetnsProcess.Pin(0, cpus, initialAffinity);
                p.Start(rb);
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }) { Name = "exec-affinity" };
        t.Start();
        t.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>--pidfd-socket (create, run, exec): a pidfd of the process over the socket (SCM_RIGHTS), the message
    /// naming the process kind as runc's setupPidfd does ("standard" for init, "setns" for exec).</summary>
    internal static void SendPidfd(string socket, int pid, string kind)
    {
        try
        {
            using var pidfd = Libc.PidfdOpen(pid);
            using var conn = Libc.ConnectUnix(socket);
            Libc.SendWithFds(conn, System.Text.Encoding.UTF8.GetBytes(kind), [pidfd.Fd]);
        }
        catch (Exception ex) when (ex is SyscallException)
        {
            Libc.kill(pid, 9);
            throw new ContainerException("unable to send pidfd", ex);
        }
    }

    /// <summary>runc's newSetnsProcess: the container's cgroup paths with --cgroup's sub-cgroups joined on.</summary>
    internal static Dictionary<string, string> SubCgroupPaths(IReadOnlyDictionary<string, string> paths,
        IReadOnlyDictionary<string, string>? sub)
    {
        var result = new Dictionary<string, string>(paths);
        if (sub is null) return result;
        if (sub.TryGetValue("", out string? all))
        {
            foreach (var (k, v) in paths) result[k] = JoinSub(v, all);
            return result;
        }
        foreach (var (ctrl, add) in sub)
        {
            if (!paths.TryGetValue(ctrl, out string? v)) throw new ContainerException($"unknown controller {ctrl} in SubCgroupPaths");
            result[ctrl] = JoinSub(v, add);
        }
        return result;
    }

    private static string JoinSub(string dir, string add)
    {
        // path.Join cleans "..": a result outside the container's cgroup is refused
        string joined = Path.GetFullPath(Path.Join(dir, add.TrimStart('/')));
        if (!joined.StartsWith(dir, StringComparison.Ordinal)) throw new ContainerException($"{add} is not a sub cgroup path");
        return joined.TrimEnd('/');
    }
}
