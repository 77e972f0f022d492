using Skiff.Cgroups.V1;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;
using Tmds.DBus.Protocol;

namespace Skiff.Cgroups.Systemd;

/// <summary>
/// The systemd cgroup driver (runc's libcontainer/cgroups/systemd, --systemd-cgroup): the container's cgroup is a
/// transient scope unit "&lt;prefix&gt;-&lt;name&gt;.scope" in the slice of cgroupsPath "slice:prefix:name", started over
/// D-Bus with Delegate=yes and the resource properties systemd knows; the fs manager (v2, or v1 per controller)
/// then joins the pid and writes what systemd does not cover (device filter, unified, rdma, hugetlb …). Delete
/// stops the unit. On a unified host the scope is at /sys/fs/cgroup/&lt;expanded slice&gt;/&lt;unit&gt;; on v1, in each
/// hierarchy at the same relative path.
/// </summary>
internal sealed class SystemdManager : ICgroupManager
{
    private readonly string _containerId;
    private readonly string _unit;
    private readonly string _slice;
    private readonly bool _v2;
    private readonly ICgroupManager _fs;
    private readonly LinuxResources? _initial;
    private readonly bool _loaded;

    private SystemdManager(string containerId, string unit, string slice, bool v2, ICgroupManager fs,
        LinuxResources? initial, bool loaded)
    {
        _containerId = containerId;
        _unit = unit;
        _slice = slice;
        _v2 = v2;
        _fs = fs;
        _initial = initial;
        _loaded = loaded;
    }

    /// <summary>The unit name ("skiff-ctr.scope").</summary>
    public string Unit => _unit;

    /// <param name="v2Root">The cgroup2 mount when the host is unified (or the v2 test knob is set), else null (v1).</param>
    public static ICgroupManager Create(string containerId, string? cgroupsPath, LinuxResources? resources, string? v2Root)
    {
        var (slice, prefix, name) = UnitNames.Parse(cgroupsPath, containerId);
        string unit = UnitNames.Unit(prefix, name);
        string rel = UnitNames.ExpandSlice(slice).TrimEnd('/') + "/" + unit;
        ICgroupManager fs;
        if (v2Root is not null)
        {
            fs = new V2.Manager(V2.CgroupPath.GoClean(v2Root + rel), v2Root) { Resources = resources };
        }
        else
        {
            var roots = CgroupRoots.Default;
            fs = new FsManager(CgroupPaths.Compute(roots, rel), new CgroupFs(fake: false), rootless: false,
                explicitPath: true, loaded: false, resources);
        }
        return new SystemdManager(containerId, unit, slice, v2Root is not null, fs, resources, loaded: false);
    }

    /// <summary>Re-opens a systemd container's cgroups from state.json: <paramref name="inner"/> over its saved paths.</summary>
    public static ICgroupManager Load(string unit, ICgroupManager inner) =>
        new SystemdManager("", unit, "", inner is V2.Manager, inner, initial: null, loaded: true);

    public IReadOnlyDictionary<string, string> Paths => _fs.Paths;

    /// <summary>
    /// Starts the scope with <paramref name="pid"/> in it (systemd moves the process), waits until it is active, then
    /// lets the fs manager create what systemd did not and join the pid there too (runc: startUnit, then
    /// CreateCgroupPath / joinCgroups). A unit of that name that already exists is joined, as runc does.
    /// </summary>
    public void Apply(int pid)
    {
        if (_loaded)
        {
            _fs.Apply(pid);
            return;
        }
        using (SystemdBus bus = SystemdBus.Connect())
        {
            var props = UnitProperties.ForStart(_containerId, _unit, _slice, pid, _v2, _initial);
            try
            {
                bus.StartTransientUnit(_unit, props);
                WaitActive(bus);
            }
            catch (DBusErrorReplyException ex) when (ex.ErrorName == "org.freedesktop.systemd1.UnitExists")
            {
                Log.Debug($"systemd unit {_unit} exists: joining it");
            }
            catch (Exception ex) when (ex is not CgroupException)
            {
                TryResetFailed(bus);
                throw new CgroupException($"unable to start unit \"{_unit}\" (properties {string.Join(", ", props)})", ex);
            }
        }
        _fs.Apply(pid);
    }

    private void WaitActive(SystemdBus bus)
    {
        var started = DateTime.UtcNow;
        while (true)
        {
            string? state = bus.ActiveState(_unit);
            if (state == "active") return;
            TimeSpan waited = DateTime.UtcNow - started;
            // "inactive" is normal while the start job runs; "failed" is final
            if (state == "failed" || (state == "inactive" && waited > TimeSpan.FromSeconds(2)))
                throw new CgroupException($"systemd unit {_unit} is {state} after StartTransientUnit");
            if (waited > TimeSpan.FromSeconds(30)) throw new CgroupException($"timeout waiting for systemd to create {_unit}");
            Thread.Sleep(10);
        }
    }

    /// <summary>SetUnitProperties with the resource properties, then the fs manager for everything (runc's Set).</summary>
    public void Set(LinuxResources? resources)
    {
        if (resources is null) return;
        var props = UnitProperties.ForResources(resources, _v2);
        if (props.Count > 0)
        {
            using SystemdBus bus = SystemdBus.Connect();
            try
            {
                bus.SetUnitProperties(_unit, props);
            }
            catch (Exception ex) when (ex is DBusErrorReplyException or TimeoutException)
            {
                throw new CgroupException($"unable to set unit properties of \"{_unit}\"", ex);
            }
        }
        _fs.Set(resources);
    }

    /// <summary>Stops the unit (waiting until systemd let it go), resets a failed state, then removes any directory left.</summary>
    public void Destroy()
    {
        using (SystemdBus bus = SystemdBus.Connect())
        {
            try
            {
                bus.StopUnit(_unit);
            }
            catch (DBusErrorReplyException ex) when (ex.ErrorName == "org.freedesktop.systemd1.NoSuchUnit")
            {
                // stopped already (the scope goes away by itself once its processes are gone)
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (bus.ActiveState(_unit) is { } state && state is not ("inactive" or "failed"))
            {
                if (DateTime.UtcNow > deadline) throw new CgroupException($"timeout waiting for systemd to stop {_unit} (still {state})");
                Thread.Sleep(10);
            }
            TryResetFailed(bus);
        }
        _fs.Destroy();
    }

    private void TryResetFailed(SystemdBus bus)
    {
        try { bus.ResetFailedUnit(_unit); }
        catch (Exception ex) when (ex is DBusErrorReplyException or TimeoutException) { }
    }

    public IReadOnlyList<int> GetPids() => _fs.GetPids();
    public IReadOnlyList<int> GetAllPids() => _fs.GetAllPids();
    public void Freeze() => _fs.Freeze();
    public void Thaw() => _fs.Thaw();
    public bool IsFrozen() => _fs.IsFrozen();
    public bool TryKillAll() => _fs.TryKillAll();
    public ulong OomKillCount() => _fs.OomKillCount();
    public bool Exists() => _fs.Exists();
    public CgroupStats GetStats() => _fs.GetStats();
}
