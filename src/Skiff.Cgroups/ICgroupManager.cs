using Skiff.RuntimeSpec;

namespace Skiff.Cgroups;

/// <summary>A container's cgroups (runc's cgroups.Manager). Not thread-safe; one per container operation.</summary>
public interface ICgroupManager
{
    /// <summary>Creates the cgroup directories in every mounted hierarchy used and adds <paramref name="pid"/>
    /// to each (cgroup.procs); pid -1 creates the directories only.</summary>
    void Apply(int pid);

    /// <summary>
    /// Makes the directories <see cref="Apply"/> will make, ahead of it and best effort: create calls it while
    /// nsexec works, so that the kernel's work of making a cgroup (enabling the cpuset static keys alone takes
    /// milliseconds in a VM) is off the path. Reports nothing: <see cref="Apply"/> does everything again, and fails
    /// with its own message. Nothing to do by default.
    /// </summary>
    void Prepare() { }

    /// <summary>Writes the limits. Null means nothing to set.</summary>
    void Set(LinuxResources? resources);

    /// <summary>Removes every directory (sub-cgroups first, EBUSY retried briefly, ENOENT ignored). Idempotent.</summary>
    void Destroy();

    /// <summary>Controller name ("memory", "cpu", "cpuacct", "name=systemd", "" for the hybrid cgroup2 dir) to its
    /// absolute directory; what state.json stores as <c>cgroup_paths</c>.</summary>
    IReadOnlyDictionary<string, string> Paths { get; }

    /// <summary>The pids in cgroup.procs of the container's cgroup.</summary>
    IReadOnlyList<int> GetPids();

    /// <summary>The pids of the cgroup and all its sub-cgroups.</summary>
    IReadOnlyList<int> GetAllPids();

    /// <summary>Freezes the cgroup (v1 freezer.state), waiting until it reads FROZEN.</summary>
    void Freeze();

    void Thaw();

    bool IsFrozen();

    /// <summary>
    /// SIGKILLs every process of the cgroup and its sub-cgroups with the kernel's own primitive (v2 cgroup.kill),
    /// returning true; false when the manager has none (v1), and the caller freezes, signals each pid and thaws.
    /// </summary>
    bool TryKillAll();

    /// <summary>The "oom_kill" counter of memory.oom_control; 0 when it is absent.</summary>
    ulong OomKillCount();

    /// <summary>True when the cgroup directory (the devices hierarchy, as runc) still exists.</summary>
    bool Exists();

    /// <summary>Usage counters for <c>events --stats</c>.</summary>
    CgroupStats GetStats();
}
