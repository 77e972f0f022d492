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

    /// <summary>The pids of the container's cgroup (`ps`).</summary>
    public IReadOnlyList<int> Pids()
    {
        return Cgroup().GetAllPids();
    }
}
