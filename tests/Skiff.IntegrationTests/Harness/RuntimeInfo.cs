namespace Skiff.IntegrationTests.Harness;

/// <summary>Facts about the runtime under test, for the few places where Debian's runc 1.1 (the oracle on
/// this machine) deviates from runc 1.2 / the OCI spec, which skiff follows.</summary>
public static class RuntimeInfo
{
    private static readonly Lazy<string> s_version = new(() =>
    {
        try
        {
            var r = new Runtime(Path.Combine(RepoPaths.StateRoot, "version")).Exec(["--version"], withRoot: false);
            return r.Stdout.Split('\n')[0];
        }
        catch (Exception e) when (e is IOException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            return "";
        }
    });

    /// <summary>First line of `--version`, e.g. "runc version 1.1.5+ds1".</summary>
    public static string VersionLine => s_version.Value;

    /// <summary>The runtime under test is runc 1.1.x.</summary>
    public static bool IsRunc11 => RepoPaths.IsRunc && VersionLine.StartsWith("runc version 1.1.", StringComparison.Ordinal);
}
