using Skiff.Cgroups.Rdt;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `update`: merges the new limits into the saved resources, writes them to the cgroup (devices untouched, as
    /// runc's SkipDevices) and the Intel RDT schemata, and keeps them in state.json.
    /// </summary>
    public void Update(UpdateOptions o)
    {
        using var lk = StateLock.AcquireExisting(StateDir, Id);
        if (Status == ContainerStatus.Stopped) throw new ContainerException("container not running");
        var linux = _state.Config.Linux ??= new RuntimeSpec.Linux();
        var resources = o.Apply(linux.Resources);
        foreach (string w in o.Warnings) Log.Warn(w);
        UpdateRdt(linux, o);
        try
        {
            Cgroup().Set(WithoutDevices(resources));
        }
        catch (Exception ex)
        {
            throw new ContainerException("unable to set cgroup resources", ex);
        }
        if (linux.IntelRdt is { } rdt && (o.L3CacheSchema is { Length: > 0 } || o.MemBwSchema is { Length: > 0 }))
            new IntelRdtManager(rdt, Id).Set();
        linux.Resources = resources;
        SaveState();
    }

    private static void UpdateRdt(RuntimeSpec.Linux linux, UpdateOptions o)
    {
        bool l3 = !string.IsNullOrEmpty(o.L3CacheSchema), mb = !string.IsNullOrEmpty(o.MemBwSchema);
        if (!l3 && !mb) return;
        string? root = RdtFeatures.FindMountpoint();
        var features = root is null ? null : RdtFeatures.Detect(root);
        if (l3 && features?.Cat != true) throw new ContainerException("Intel RDT/CAT: l3 cache schema is not enabled");
        if (mb && features?.Mba != true) throw new ContainerException("Intel RDT/MBA: memory bandwidth schema is not enabled");
        if (linux.IntelRdt is null) throw new ContainerException("updating a non-existent Intel RDT configuration is not supported");
        if (l3) linux.IntelRdt.L3CacheSchema = o.L3CacheSchema;
        if (mb) linux.IntelRdt.MemBwSchema = o.MemBwSchema;
    }

    private static LinuxResources WithoutDevices(LinuxResources r) => new()
    {
        Memory = r.Memory, Cpu = r.Cpu, Pids = r.Pids, BlockIO = r.BlockIO, HugepageLimits = r.HugepageLimits,
        Network = r.Network, Rdma = r.Rdma, Unified = r.Unified,
    };
}
