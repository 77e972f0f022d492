namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>`update`: writes the new limits to the cgroup and keeps them in state.json.</summary>
    public void Update(UpdateOptions o)
    {
        using var lk = StateLock.AcquireExisting(StateDir, Id);
        if (Status == ContainerStatus.Stopped) throw new ContainerException("container not running");
        var linux = _state.Config.Linux ??= new RuntimeSpec.Linux();
        var resources = o.Apply(linux.Resources);
        try
        {
            Cgroup().Set(resources);
        }
        catch (Exception ex)
        {
            throw new ContainerException("unable to set cgroup resources", ex);
        }
        linux.Resources = resources;
        SaveState();
    }
}
