namespace Skiff.Cgroups.V1;

/// <summary>A hierarchy that is only joined (cpuacct, perf_event, name=systemd, misc, the hybrid cgroup2 dir).</summary>
internal sealed class NamedController(string name) : Controller
{
    public override string Name { get; } = name;
}
