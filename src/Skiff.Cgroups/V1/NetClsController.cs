using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>net_cls: classID → net_cls.classid (0 leaves it alone).</summary>
internal sealed class NetClsController : Controller
{
    public override string Name => "net_cls";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        if (r.Network?.ClassId is uint id && id != 0) fs.Write(dir, "net_cls.classid", id.ToString());
    }
}
