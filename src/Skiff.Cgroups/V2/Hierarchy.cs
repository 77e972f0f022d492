using Skiff.Linux;

namespace Skiff.Cgroups.V2;

/// <summary>Detects the cgroup mode (statfs magic, as runc's IsCgroup2UnifiedMode / IsCgroup2HybridMode).</summary>
public static class Hierarchy
{
    public const string DefaultMountpoint = "/sys/fs/cgroup";

    /// <summary>
    /// <see cref="CgroupMode.Unified"/> if <paramref name="root"/> is a cgroup2 mount, <see cref="CgroupMode.Hybrid"/>
    /// if <c>root/unified</c> is, else <see cref="CgroupMode.Legacy"/>. Cached only for the default root.
    /// </summary>
    public static CgroupMode DetectMode(string root = DefaultMountpoint)
    {
        if (root == DefaultMountpoint && s_cached is { } cached) return cached;
        CgroupMode mode = Detect(root);
        if (root == DefaultMountpoint) s_cached = mode;
        return mode;
    }

    /// <summary>The cgroup2 mount for <paramref name="mode"/> (root or root/unified), or null in legacy mode.</summary>
    public static string? UnifiedMountpoint(CgroupMode mode, string root = DefaultMountpoint) => mode switch
    {
        CgroupMode.Unified => root,
        CgroupMode.Hybrid => Path.Combine(root, "unified"),
        _ => null,
    };

    /// <summary>
    /// The cgroup2 mount point holding <paramref name="cgroupDir"/>: the topmost ancestor that is still cgroup2
    /// (statfs). Used to re-open a v2 cgroup from state.json. When nothing can be stat'ed (the cgroup is gone), the
    /// default mount point if it is a prefix, else the directory's parent.
    /// </summary>
    public static string MountRootOf(string cgroupDir)
    {
        string dir = CgroupPath.GoClean(cgroupDir);
        string? found = null;
        for (string? d = dir; !string.IsNullOrEmpty(d) && d != "/"; d = Path.GetDirectoryName(d))
        {
            if (Libc.TryStatfsType(d, out long t) != Errno.OK) continue; // removed already: look further up
            if (t != Libc.CGROUP2_SUPER_MAGIC) break;
            found = d;
        }
        if (found is not null) return found;
        foreach (string m in new[] { Path.Combine(DefaultMountpoint, "unified"), DefaultMountpoint })
            if (dir.StartsWith(m + "/", StringComparison.Ordinal)) return m;
        return Path.GetDirectoryName(dir) ?? "/";
    }

    private static CgroupMode? s_cached;

    private static CgroupMode Detect(string root)
    {
        if (Libc.TryStatfsType(root, out long t) == Errno.OK && t == Libc.CGROUP2_SUPER_MAGIC)
            return CgroupMode.Unified;
        if (Libc.TryStatfsType(Path.Combine(root, "unified"), out t) == Errno.OK && t == Libc.CGROUP2_SUPER_MAGIC)
            return CgroupMode.Hybrid;
        return CgroupMode.Legacy;
    }
}
