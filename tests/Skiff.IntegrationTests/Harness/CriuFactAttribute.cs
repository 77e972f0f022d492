using System.Diagnostics;
using Xunit;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A fact that needs a working criu (.ci/run installs CRIU 4.2 with ../shared/criu/install.sh): skipped, with
/// `criu check`'s own words as the reason, only when no criu in PATH passes `criu check` here. With
/// <paramref name="runc11Deviation"/>, also skipped when runc 1.1 is under test (the reason names the deviation).
/// </summary>
public sealed class CriuFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    public CriuFactAttribute(string? runc11Deviation = null)
    {
        if (s_unavailable.Value is { } why)
        {
            Skip = "criu unavailable: " + why;
        }
        else if (runc11Deviation is not null && RuntimeInfo.IsRunc11)
        {
            Skip = "runc 1.1 deviation: " + runc11Deviation;
        }
    }

    private static string? Probe()
    {
        try
        {
            var psi = new ProcessStartInfo("criu", "check") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0) return null;
            var lines = (err.Result + output).Trim().Split('\n');
            return $"`criu check` exited {p.ExitCode}: {lines[^1]}";
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return "no criu in PATH (" + ex.Message + ")";
        }
    }
}
