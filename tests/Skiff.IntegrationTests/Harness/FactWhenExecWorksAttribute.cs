using Xunit;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A fact for `exec`: skipped while the runtime under test answers `exec` with "not implemented" (skiff before
/// its exec verb landed), run otherwise. The probe is one `exec` of a container that does not exist.
/// </summary>
public sealed class FactWhenExecWorksAttribute : FactAttribute
{
    private static readonly Lazy<bool> s_implemented = new(() =>
    {
        try
        {
            var rt = new Runtime();
            var r = rt.Exec(["exec", "it-no-such-container", "true"], timeout: TimeSpan.FromSeconds(30));
            var stderr = r.Stderr; // read before Cleanup removes the output files
            rt.Cleanup();
            return !stderr.Contains("not implemented", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is IOException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return true;
        }
    });

    /// <param name="runc11Deviation">When set, also skipped on runc 1.1 for this reason.</param>
    public FactWhenExecWorksAttribute(string? runc11Deviation = null)
    {
        if (runc11Deviation != null && RuntimeInfo.IsRunc11)
        {
            Skip = "runc 1.1 deviation: " + runc11Deviation;
        }
        else if (!s_implemented.Value)
        {
            Skip = "the runtime under test does not implement exec yet";
        }
    }
}
