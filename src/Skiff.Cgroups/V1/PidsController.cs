using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>pids: limit → pids.max; 0 leaves it alone, a negative limit means "max" (runc fs/pids.go).</summary>
internal sealed class PidsController : Controller
{
    public override string Name => "pids";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        if (r.Pids?.Limit is not long limit || limit == 0) return;
        fs.Write(dir, "pids.max", limit > 0 ? limit.ToString(CultureInfo.InvariantCulture) : "max");
    }
}
