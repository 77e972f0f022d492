using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>net_prio: one "ifname priority" line per write to net_prio.ifpriomap.</summary>
internal sealed class NetPrioController : Controller
{
    public override string Name => "net_prio";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        foreach (LinuxInterfacePriority p in r.Network?.Priorities ?? [])
            fs.Write(dir, "net_prio.ifpriomap", $"{p.Name} {p.Priority}");
    }
}
