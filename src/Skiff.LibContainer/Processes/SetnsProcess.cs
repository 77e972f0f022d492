using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer.Wire;
using System.Globalization;
using Skiff.Cgroups;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// The parent side of `exec` (runc's setnsProcess.start): nsexec joins every namespace of the container's init
/// by path (user first); the bootstrap process (so everything it forks) joins the container's cgroups, or the
/// sub-cgroups --cgroup named, falling back to init's own cgroup when a cgroup v2 write fails (EBUSY with
/// nesting and domain controllers); then the Intel RDT group; on procReady the rlimits are set and the CPU
/// affinity becomes execCPUAffinity.final, or, with no execCPUAffinity at all, every cpu of the cgroup (runc 1.4's
/// setFinalCPUAffinity; not after a definitive isolated-cpu transition).
/// </summary>
internal sealed class SetnsProcess : ParentProcess
{
    private readonly IReadOnlyDictionary<string, string> _nsPaths;
    private readonly IReadOnlyDictionary<string, string> _cgroupPaths;
    private readonly int _initPid;
    private readonly string? _rdtGroup;
    private readonly bool _resetAffinity;
    private readonly IReadOnlyCollection<int>? _finalAffinity;

    /// <param name="cgroupPaths">Controller → directory to join (the container's, or its sub-cgroups).</param>
    /// <param name="initPid">The container's init: its cgroup is the v2 fallback (0: no fallback, as with --cgroup).</param>
    /// <param name="rdtGroup">The resctrl group of the container, joined when it exists; null when none.</param>
    /// <param name="resetAffinity">Allow the process every cpu of its cgroup on procReady.</param>
    /// <param name="finalAffinity">execCPUAffinity.final: the cpus set on procReady instead (null: none).</param>
    public SetnsProcess(InitConfig config, ICgroupManager cgroup, IReadOnlyDictionary<string, string> nsPaths, SafeFd? console,
        IReadOnlyDictionary<string, string> cgroupPaths, int initPid, string? rdtGroup, bool resetAffinity,
        IReadOnlyCollection<int>? finalAffinity = null)
        : base(config, cgroup, fifo: null, console)
    {
        _nsPaths = nsPaths;
        _cgroupPaths = cgroupPaths;
        _initPid = initPid;
        _rdtGroup = rdtGroup;
        _resetAffinity = resetAffinity;
        _finalAffinity = finalAffinity;
    }

    /// <summary>
    /// The cpus the bootstrap process is pinned to before it forks the process (Container.StartOnCpus), and whether
    /// they are execCPUAffinity.initial (for the error's words); null when none.
    /// </summary>
    public (IReadOnlyCollection<int> Cpus, bool Initial)? PinnedTo { get; set; }

    /// <summary>A process forked before its bootstrap did not inherit the pinning: it gets it here, before it enters
    /// the cgroup, as the bootstrap would have.</summary>
    protected override void BeforeJoiningLate(int pid)
    {
        if (PinnedTo is { } pin) Pin(pid, pin.Cpus, pin.Initial);
    }

    /// <summary>Sets the affinity of <paramref name="pid"/> (runc's words on failure).</summary>
    public static void Pin(int pid, IReadOnlyCollection<int> cpus, bool initial)
    {
        try
        {
            Libc.SetAffinity(pid, cpus);
        }
        catch (Exception ex) when (ex is SyscallException or ArgumentOutOfRangeException)
        {
            throw new ContainerException(initial ? "error setting initial CPU affinity" : "setting os thread CPU affinity", ex);
        }
    }

    /// <summary>Whether the container's init is still the process state.json names (pid and start time).</summary>
    public Func<bool>? InitAlive { get; init; }

    /// <summary>
    /// The process nsexec forked into the namespaces of the init state.json names before it had its bootstrap
    /// (nsexec.c, speculate_setns), and that joined the cgroups only now: that init must still be the container's
    /// (it could have died and its pid gone to another process since the status was read), and the pids limit must
    /// still hold, as nsexec's fork inside the cgroup would have found (a move into a cgroup ignores pids.max).
    /// </summary>
    protected override void CheckJoinedLate(int pid)
    {
        if (InitAlive is not null && !InitAlive()) throw new ContainerException("cannot exec in a stopped container");
        if (!_cgroupPaths.TryGetValue("pids", out string? dir) && !_cgroupPaths.TryGetValue("", out dir)) return;
        if (CgroupManagerFactory.PidsOverLimit(dir, out ulong tasks, out ulong limit))
            throw new ContainerException($"error adding pid {pid} to cgroups: pids.max of {dir} is {limit}, with {tasks} tasks");
    }

    protected override BootstrapData Bootstrap()
    {
        return new BootstrapData { NsPaths = Namespaces.InJoinOrder(type => _nsPaths.GetValueOrDefault(type)) };
    }

    protected override void ApplyCgroup(int pid)
    {
        foreach (string dir in _cgroupPaths.Values.Distinct(StringComparer.Ordinal))
        {
            Errno err = WriteProcs(dir, pid, out string file);
            if (err == Errno.OK) continue;
            Exception cause = new SyscallException("write", err, file);
            if (_initPid != 0 && UnifiedRoot() is string root && InitCgroupV2(root) is string initDir)
            {
                Log.Debug($"adding pid {pid} to cgroup {dir} failed ({ErrorText.Render(cause)}), attempting to join {initDir} (obtained from /proc/{_initPid}/cgroup)");
                err = WriteProcs(initDir, pid, out file);
                if (err == Errno.OK) continue;
                cause = new SyscallException("write", err, file);
            }
            throw new ContainerException($"error adding pid {pid} to cgroups", cause);
        }
        if (_rdtGroup is not null && Directory.Exists(_rdtGroup))
            Cgroups.Rdt.IntelRdtManager.AddTask(_rdtGroup, _config.ContainerId, pid);
    }

    protected override void OnReady()
    {
        if (_finalAffinity is not null)
        {
            try
            {
                Libc.SetAffinity(Pid, _finalAffinity);
            }
            catch (Exception ex) when (ex is SyscallException or ArgumentOutOfRangeException)
            {
                throw new ContainerException("error setting final CPU affinity", ex);
            }
        }
        else if (_resetAffinity)
        {
            CpuAffinity.TryReset(Pid);
        }
        base.OnReady();
    }

    private static Errno WriteProcs(string dir, int pid, out string file, string name = "cgroup.procs")
    {
        string path = file = Path.Join(dir, name);
        int fd = Eintr.Retry(() => Libc.open(path, Libc.O_WRONLY | Libc.O_CLOEXEC, 0));
        if (fd < 0) return Check.LastErrno;
        using var sfd = new SafeFd(fd);
        return Libc.TryWriteOnce(sfd, System.Text.Encoding.ASCII.GetBytes(pid.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>/sys/fs/cgroup when it is cgroup2 (runc's IsCgroup2UnifiedMode); null otherwise.</summary>
    private static string? UnifiedRoot() => File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : null;

    /// <summary>The directory of init's cgroup v2 ("0::/path" in /proc/INIT/cgroup); null when unreadable.</summary>
    private string? InitCgroupV2(string root)
    {
        try
        {
            foreach (string line in File.ReadAllLines($"/proc/{_initPid}/cgroup"))
            {
                if (line.StartsWith("0::", StringComparison.Ordinal))
                    return Path.Join(root, line[3..]);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}
