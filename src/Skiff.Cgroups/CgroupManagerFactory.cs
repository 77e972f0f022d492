using Skiff.Cgroups.V1;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups;

/// <summary>
/// Creates the cgroup manager for a container (runc's manager.New), or re-opens one from state.json. The driver is
/// chosen as runc chooses: the v2 manager when /sys/fs/cgroup is cgroup2 (unified), the v1 (fs) manager on hybrid
/// and legacy hosts.
/// </summary>
public static class CgroupManagerFactory
{
    /// <summary>
    /// Hidden test knob, read once: env <c>SKIFF_CGROUP_V2_ROOT=/sys/fs/cgroup/unified</c> makes new containers use
    /// the v2 manager rooted at that cgroup2 mount, even on a hybrid host (where it has no controllers, but the eBPF
    /// device filter, cgroup.freeze and cgroup.kill all work). Not a supported configuration; see README.md.
    /// </summary>
    public const string V2RootVariable = "SKIFF_CGROUP_V2_ROOT";

    private static readonly Lazy<string?> s_v2Root = new(() =>
    {
        string? v = Environment.GetEnvironmentVariable(V2RootVariable);
        return string.IsNullOrEmpty(v) ? null : V2.CgroupPath.GoClean(v);
    });

    /// <summary>The cgroup2 mount new containers go under with the v2 manager, or null for v1 (the host's mode, or the knob).</summary>
    public static string? V2Root(CgroupRoots? roots = null)
    {
        if (roots is not null && !ReferenceEquals(roots, CgroupRoots.Default)) return null;
        if (s_v2Root.Value is { } knob) return knob;
        return V2.Hierarchy.DetectMode() == CgroupMode.Unified ? V2.Hierarchy.DefaultMountpoint : null;
    }

    /// <summary>
    /// The manager for a new container. <paramref name="cgroupsPath"/> is the spec's linux.cgroupsPath: empty means
    /// the container id relative to our own cgroups (runc's fs default), absolute is below each hierarchy's mount
    /// point, relative is below our own cgroup in each hierarchy. With <paramref name="systemd"/> it is
    /// "slice:prefix:name" and the cgroup is a transient scope unit. Nothing is created until Apply.
    /// <paramref name="resources"/>, when given, is what Apply needs before the pid moves in (cpuset cpus/mems,
    /// the realtime budget, systemd unit properties), as runc's Apply reads it from the config.
    /// </summary>
    public static ICgroupManager Create(string containerId, string? cgroupsPath, bool systemd, bool rootless,
        CgroupRoots? roots = null, LinuxResources? resources = null)
    {
        if (systemd) return Systemd.SystemdManager.Create(containerId, cgroupsPath, resources, V2Root(roots));
        if (V2Root(roots) is { } v2Root)
            return new V2.Manager(V2.CgroupPath.Resolve(cgroupsPath, containerId, v2Root), v2Root) { Resources = resources };
        roots ??= CgroupRoots.Default;
        string inner = CgroupPaths.CleanPath(cgroupsPath);
        bool explicitPath = inner.Length > 0;
        if (!explicitPath)
        {
            if (string.IsNullOrEmpty(containerId) || containerId.Contains('/'))
                throw new CgroupException($"invalid container id \"{containerId}\" for a cgroup name");
            inner = containerId;
        }
        Dictionary<string, string> paths = CgroupPaths.Compute(roots, inner);
        return new FsManager(paths, new CgroupFs(roots.FakeFs), rootless, explicitPath, loaded: false, resources);
    }

    /// <summary>
    /// Re-opens a container's cgroups from the paths saved in its state (Apply then only joins them). Paths with
    /// only the "" key are a v2 cgroup (runc saves v2 paths that way); its cgroup2 mount is found by statfs.
    /// With <paramref name="systemdUnit"/> (a systemd container) Destroy also stops that unit.
    /// </summary>
    public static ICgroupManager Load(IReadOnlyDictionary<string, string> paths, CgroupRoots? roots = null,
        bool rootless = false, string? systemdUnit = null)
    {
        ICgroupManager inner = LoadFs(paths, roots, rootless);
        return systemdUnit is null ? inner : Systemd.SystemdManager.Load(systemdUnit, inner);
    }

    private static ICgroupManager LoadFs(IReadOnlyDictionary<string, string> paths, CgroupRoots? roots, bool rootless)
    {
        roots ??= CgroupRoots.Default;
        if (!roots.FakeFs && paths.Count == 1 && paths.TryGetValue("", out string? dir))
            return new V2.Manager(dir, V2.Hierarchy.MountRootOf(dir)) { Loaded = true };
        return new FsManager(new Dictionary<string, string>(paths), new CgroupFs(roots.FakeFs), rootless,
            explicitPath: true, loaded: true, initial: null);
    }

    /// <summary>
    /// Whether the pids cgroup <paramref name="dir"/> holds more tasks than its pids.max allows (a process moved in
    /// ignores the limit, where a fork inside fails); false when either file is missing or the limit is "max".
    /// </summary>
    public static bool PidsOverLimit(string dir, out ulong tasks, out ulong limit)
    {
        tasks = limit = 0;
        if (CgroupFs.Real.TryRead(dir, "pids.max") is not { } max || CgroupFs.ParseUlong(max) is not { } l ||
            CgroupFs.Real.TryRead(dir, "pids.current") is not { } current || CgroupFs.ParseUlong(current) is not { } t)
            return false;
        (tasks, limit) = (t, l);
        return t > l;
    }
}
