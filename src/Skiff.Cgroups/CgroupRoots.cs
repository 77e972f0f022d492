namespace Skiff.Cgroups;

/// <summary>
/// Where the cgroup manager reads the mount table and the calling process's own cgroups from. The defaults are
/// the real files; tests point them at a fake hierarchy in a temp dir (the mount points come from the mountinfo).
/// </summary>
public sealed class CgroupRoots
{
    public static CgroupRoots Default { get; } = new();

    /// <summary>The mount table (<c>/proc/self/mountinfo</c>).</summary>
    public string MountInfo { get; init; } = "/proc/self/mountinfo";

    /// <summary>The calling process's cgroup membership (<c>/proc/self/cgroup</c>).</summary>
    public string SelfCgroup { get; init; } = "/proc/self/cgroup";

    /// <summary>
    /// Test seam for a plain directory tree standing in for cgroupfs: files are created when written
    /// (O_CREAT|O_TRUNC, as runc's fscommon TestMode) and removed before a directory is rmdir'ed.
    /// </summary>
    internal bool FakeFs { get; init; }
}
