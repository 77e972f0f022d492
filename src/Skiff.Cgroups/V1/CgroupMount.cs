namespace Skiff.Cgroups.V1;

/// <summary>One cgroup hierarchy from mountinfo: where it is mounted, which cgroup its mount root is, and the
/// controllers (super options: "cpu", "cpuacct", "name=systemd"; none for the cgroup2 hierarchy).</summary>
internal sealed record CgroupMount(string MountPoint, string Root, IReadOnlyList<string> Subsystems, bool IsUnified);
