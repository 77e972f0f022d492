using Skiff.Cgroups;
using Skiff.Cgroups.Rdt;
using Skiff.LibContainer.Hooks;
using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// The parent side of starting a container's init (runc's initProcess.start): new namespaces as the spec asks,
/// netDevices moved in, cgroup limits and prestart/createRuntime hooks on procHooks, state.json once procRun is sent
/// (runc writes it after the whole start; here init's last steps, capabilities, seccomp and the exec fifo's open,
/// overlap the write).
/// </summary>
internal sealed class InitProcess : ParentProcess
{
    private readonly Func<int, ulong, ContainerState> _saveState;

    /// <summary>The container's Intel RDT group, when linux.intelRdt is set: init joins it and the schemata are
    /// written on procHooks, next to the cgroup limits (runc's initProcess.start).</summary>
    public IntelRdtManager? IntelRdt { get; init; }

    /// <param name="saveState">Called once procRun is sent, with the init pid and start time; writes state.json.</param>
    public InitProcess(InitConfig config, ICgroupManager cgroup, SafeFd fifo, SafeFd? console,
        Func<int, ulong, ContainerState> saveState)
        : base(config, cgroup, fifo, console) => _saveState = saveState;

    protected override BootstrapData Bootstrap() => BootstrapFor(_config);

    /// <summary>nsexec's bootstrap message for a container's init: what <paramref name="config"/> asks to create
    /// and join; create sends it as soon as the config is loaded (<see cref="InitChild.SendBootstrap"/>).</summary>
    internal static BootstrapData BootstrapFor(InitConfig config)
    {
        Spec spec = config.Spec;
        var namespaces = config.Namespaces;
        // The maps are written only for a user namespace we create (not one we join).
        bool newUser = namespaces.IsNew("user");
        var uidMappings = newUser ? spec.Linux?.UidMappings : null;
        var gidMappings = newUser ? spec.Linux?.GidMappings : null;
        bool rootless = config.RootlessEuid;
        return new BootstrapData
        {
            CloneFlags = (uint)namespaces.CloneFlags,
            NsPaths = namespaces.JoinPaths(),
            UidMap = uidMappings is { Count: > 0 } ? BootstrapData.FormatIdMap(uidMappings) : null,
            GidMap = gidMappings is { Count: > 0 } ? BootstrapData.FormatIdMap(gidMappings) : null,
            // Without root, more than our own id needs newuidmap/newgidmap (setuid helpers that check /etc/subuid);
            // the paths are resolved here, not in nsexec.
            UidMapPath = rootless && uidMappings is { Count: > 0 } ? LookPath("newuidmap") : null,
            GidMapPath = rootless && gidMappings is { Count: > 0 } ? LookPath("newgidmap") : null,
            // runc's requiresRootOrMappingTool: setgroups(2) stays allowed unless the gid map is just our own egid
            // as root, which an unprivileged writer may only do after denying setgroups.
            Setgroup = gidMappings is { Count: > 0 } && !IsOwnEgidOnly(gidMappings),
            RootlessEuid = rootless,
            OomScoreAdj = spec.Process?.OomScoreAdj?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TimeOffsets = namespaces.IsNew("time") && spec.Linux?.TimeOffsets is { } offs
                ? BootstrapData.FormatTimeOffsets(offs) : null,
        };
    }

    /// <summary>Joins the cgroups, then tells init which ones it is really in: rootless, the hierarchies it may
    /// not create are skipped, and its cgroup mount binds its own cgroup there instead. Init (so the container's
    /// processes) then gets every cpu of its cpuset, not skiff's own affinity (runc 1.4).</summary>
    protected override void ApplyCgroup(int pid)
    {
        base.ApplyCgroup(pid);
        ProcessAttributes.CpuAffinity.TryReset(pid);
        _config.CgroupPaths = new Dictionary<string, string>(_cgroup.Paths);
    }

    private static bool IsOwnEgidOnly(List<LinuxIdMapping> gidMappings) =>
        gidMappings.Count == 1 && gidMappings[0].ContainerId == 0 && gidMappings[0].HostId == Libc.getegid()
        && gidMappings[0].Size == 1;

    /// <summary>Go's exec.LookPath: the first executable <paramref name="name"/> in $PATH, else null.</summary>
    internal static string? LookPath(string name)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (string dir in path.Split(':'))
        {
            string candidate = Path.Join(dir.Length == 0 ? "." : dir, name);
            if (Libc.StatMode(Libc.AT_FDCWD, candidate, 0, out uint mode) == 0 && (mode & Libc.S_IFMT) == Libc.S_IFREG
                && (mode & 0x49 /* 0111 */) != 0)
                return Path.GetFullPath(candidate);
        }
        return null;
    }

    protected override void OnHooks()
    {
        // runc moves them right after the bootstrap; here on the first message from init, still before its process
        if (_config.Spec.Linux?.NetDevices is { Count: > 0 } devices)
        {
            try
            {
                NetDevices.Move(devices, Pid);
            }
            catch (Exception ex)
            {
                throw new ContainerException("error creating network interfaces", ex);
            }
        }
        try
        {
            _cgroup.Set(_config.Spec.Linux?.Resources);
        }
        catch (Exception ex)
        {
            throw new ContainerException("unable to apply cgroup configuration", ex);
        }
        if (IntelRdt is not null)
        {
            try
            {
                IntelRdt.Apply(Pid);
                IntelRdt.Set();
            }
            catch (Exception ex)
            {
                throw new ContainerException("unable to apply Intel RDT configuration", ex);
            }
        }
        var hooks = _config.Spec.Hooks;
        if (hooks?.Prestart is { Count: > 0 } || hooks?.CreateRuntime is { Count: > 0 })
        {
            var state = OciState("creating");
            HookRunner.Run("prestart", hooks.Prestart, state);
            HookRunner.Run("createRuntime", hooks.CreateRuntime, state);
        }
    }

    protected override void OnRunSent()
    {
        // init is our child: even exited, it stays readable (a zombie) until we reap it
        ulong start = ProcStat.Read(Pid)?.Start ?? throw new ContainerException("container init exited");
        _saveState(Pid, start);
        PhaseTrace.Mark("state.json written");
    }
}
