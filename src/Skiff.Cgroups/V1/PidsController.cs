using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// pids: limit → pids.max (runc 1.4, opencontainers/cgroups fs/pids.go): absent leaves it alone, a negative limit
/// is "max", 0 is a real limit written as 1 (systemd cannot express 0, and both drivers must agree).
/// </summary>
internal sealed class PidsController : Controller
{
    public override string Name => "pids";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        if (r.Pids?.Limit is not long limit) return;
        fs.Write(dir, "pids.max", PidsMax(limit));
    }

    /// <summary>The pids.max text of a spec limit: &gt;0 itself, 0 → "1", &lt;0 → "max".</summary>
    public static string PidsMax(long limit) => limit switch
    {
        > 0 => limit.ToString(CultureInfo.InvariantCulture),
        0 => "1",
        _ => "max",
    };
}
