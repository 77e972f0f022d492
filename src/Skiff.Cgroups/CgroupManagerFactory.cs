using Skiff.Cgroups.V1;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups;

/// <summary>Creates the cgroup manager for a container (runc's manager.New), or re-opens one from state.json.</summary>
public static class CgroupManagerFactory
{
    /// <summary>
    /// The manager for a new container. <paramref name="cgroupsPath"/> is the spec's linux.cgroupsPath: empty means
    /// the container id relative to our own cgroups (runc's fs default), absolute is below each hierarchy's mount
    /// point, relative is below our own cgroup in each hierarchy. Nothing is created until Apply.
    /// <paramref name="resources"/>, when given, is what Apply needs before the pid moves in (cpuset cpus/mems,
    /// the realtime budget), as runc's Apply reads it from the config.
    /// </summary>
    public static ICgroupManager Create(string containerId, string? cgroupsPath, bool systemd, bool rootless,
        CgroupRoots? roots = null, LinuxResources? resources = null)
    {
        if (systemd) throw new CgroupException("systemd cgroup driver is not supported yet");
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

    /// <summary>Re-opens a container's cgroups from the paths saved in its state (Apply then only joins them).</summary>
    public static ICgroupManager Load(IReadOnlyDictionary<string, string> paths, CgroupRoots? roots = null,
        bool rootless = false)
    {
        roots ??= CgroupRoots.Default;
        return new FsManager(new Dictionary<string, string>(paths), new CgroupFs(roots.FakeFs), rootless,
            explicitPath: true, loaded: true, initial: null);
    }
}
