namespace Skiff.Cgroups;

/// <summary>
/// How cgroups are mounted on the host, as runc tells them apart (libcontainer/cgroups/utils.go):
/// <see cref="Unified"/> when /sys/fs/cgroup itself is cgroup2, <see cref="Hybrid"/> when /sys/fs/cgroup is
/// v1 (a tmpfs of v1 mounts) and /sys/fs/cgroup/unified is cgroup2, <see cref="Legacy"/> otherwise.
/// Detect with <see cref="V2.Hierarchy.DetectMode"/>.
/// </summary>
public enum CgroupMode
{
    Legacy,
    Hybrid,
    Unified,
}
