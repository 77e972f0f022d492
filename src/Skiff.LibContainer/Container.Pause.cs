using Skiff.Cgroups;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>`pause`: freezes every process of the container (v1 freezer.state, v2 cgroup.freeze).</summary>
    public void Pause()
    {
        var status = Status;
        if (status is not (ContainerStatus.Running or ContainerStatus.Created))
            throw new ContainerException("container not running");
        Cgroup().Freeze();
    }

    /// <summary>`resume`: thaws a paused container.</summary>
    public void Resume()
    {
        if (Status != ContainerStatus.Paused) throw new ContainerException("container not paused");
        Cgroup().Thaw();
    }

    /// <summary>The pids of the container's cgroup and its sub-cgroups (`ps`).</summary>
    public IReadOnlyList<int> Pids() => Cgroup().GetAllPids();

    /// <summary>The usage counters of the container's cgroups (`events`).</summary>
    public CgroupStats Stats() => Cgroup().GetStats();

    /// <summary>How many processes of the container the OOM killer killed so far (`events` reports increases).</summary>
    public ulong OomKillCount() => Cgroup().OomKillCount();

    /// <summary>Controller → directory of the container's cgroups (state.json's cgroup_paths).</summary>
    public IReadOnlyDictionary<string, string> CgroupPaths => _state.CgroupPaths;
}
