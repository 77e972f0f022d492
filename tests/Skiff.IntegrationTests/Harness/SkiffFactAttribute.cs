using Xunit;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A fact that uses one of skiff's test knobs (SKIFF_CGROUP_V2_ROOT, SKIFF_RESCTRL_ROOT): skipped when runc is the
/// runtime under test, and when <paramref name="requiredPath"/> (if given) does not exist on this machine.
/// </summary>
public sealed class SkiffFactAttribute : FactAttribute
{
    public SkiffFactAttribute(string? requiredPath = null)
    {
        if (RepoPaths.IsRunc)
        {
            Skip = "uses a skiff test knob";
        }
        else if (requiredPath is not null && !File.Exists(requiredPath) && !Directory.Exists(requiredPath))
        {
            Skip = requiredPath + " does not exist here";
        }
    }
}
