using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// Where each hierarchy's cgroup directory is, from cgroupsPath (runc fs/paths.go): an absolute path is taken
/// from each hierarchy's mount point; a relative one (and the default, the container id) from the calling
/// process's own cgroup in that hierarchy, as /proc/self/cgroup shows it relative to the mount's root.
/// </summary>
internal static class CgroupPaths
{
    /// <summary>The v1 subsystems in runc's order, then the hybrid cgroup2 dir ("").</summary>
    public static readonly string[] Names =
    [
        "cpuset", "devices", "memory", "cpu", "cpuacct", "pids", "blkio", "hugetlb", "net_cls", "net_prio",
        "perf_event", "freezer", "rdma", "name=systemd", "misc", "",
    ];

    public static Dictionary<string, string> Compute(CgroupRoots roots, string inner)
    {
        string selfText = CgroupFs.TryRead(roots.SelfCgroup, out var e1)
            ?? throw new CgroupException($"unable to read {roots.SelfCgroup}", new Linux.SyscallException("open", e1, roots.SelfCgroup));
        string mountText = CgroupFs.TryRead(roots.MountInfo, out var e2)
            ?? throw new CgroupException($"unable to read {roots.MountInfo}", new Linux.SyscallException("open", e2, roots.MountInfo));
        Dictionary<string, string> own = MountTable.ParseProcCgroup(selfText);
        List<CgroupMount> mounts = MountTable.ParseMountInfo(mountText, own);

        if (!mounts.Any(m => !m.IsUnified))
            throw new CgroupException("cgroup v2 (unified hierarchy) is not supported yet: no cgroup v1 hierarchy is mounted");

        var paths = new Dictionary<string, string>();
        foreach (string name in Names)
        {
            CgroupMount? mount = name.Length == 0
                ? mounts.FirstOrDefault(m => m.IsUnified)
                : mounts.FirstOrDefault(m => StringList.Contains(m.Subsystems, name));
            if (mount is null || (!inner.StartsWith('/') && !own.ContainsKey(name)))
            {
                // Without the devices controller the container could open any device: refuse, as runc.
                if (name == "devices") throw new CgroupException("mountpoint for devices not found");
                continue;
            }
            string dir = inner.StartsWith('/')
                ? Join(mount.MountPoint, inner)
                : Join(Join(mount.MountPoint, Relative(mount.Root, own[name])), inner);
            paths[name] = dir;
        }
        return paths;
    }

    /// <summary>runc's utils.CleanPath: lexically cleaned; a relative path cannot climb above its start.</summary>
    public static string CleanPath(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "";
        if (path.StartsWith('/')) return Clean(path);
        string rooted = Clean("/" + path);
        return rooted == "/" ? "." : rooted[1..];
    }

    /// <summary>Go's filepath.Clean for Unix paths.</summary>
    public static string Clean(string path) => Skiff.Linux.GoPath.Clean(path);

    private static string Join(string a, string b) => Clean(a + "/" + b);

    /// <summary>Go's filepath.Rel for two absolute, clean paths.</summary>
    internal static string Relative(string basePath, string target)
    {
        string[] b = Clean(basePath).Split('/', StringSplitOptions.RemoveEmptyEntries);
        string[] t = Clean(target).Split('/', StringSplitOptions.RemoveEmptyEntries);
        int i = 0;
        while (i < b.Length && i < t.Length && b[i] == t[i]) i++;
        var parts = Enumerable.Repeat("..", b.Length - i).Concat(t.Skip(i)).ToList();
        return parts.Count == 0 ? "." : string.Join('/', parts);
    }
}
