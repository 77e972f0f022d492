using System.Diagnostics;
using Xunit;

namespace Skiff.PackageTests;

/// <summary>
/// The package as an ordinary user's app uses it: a user the test makes (useradd, as the integration tests'
/// RootlessTests) runs this assembly's driver (Program.cs) from a copy of the test output it can read, with
/// only PATH, HOME and XDG_RUNTIME_DIR set. The driver finds the helper itself and gets rootless containers.
/// </summary>
public sealed class RootlessTests : IDisposable
{
    private const string UserName = "skiff-pkg-rootless";
    private static readonly Lazy<(uint Uid, uint Gid)> s_user = new(EnsureUser);
    private readonly string _home;

    public RootlessTests()
    {
        _home = Path.Combine("/tmp", "skiff-pkgtest-rootless-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_home);
        Host.MustRun("/bin/chown", $"{s_user.Value.Uid}:{s_user.Value.Gid}", _home);
        Host.MustRun("/bin/chmod", "700", _home);
    }

    public void Dispose()
    {
        try { Directory.Delete(_home, recursive: true); } catch (IOException) { }
    }

    private static (uint, uint) EnsureUser()
    {
        if (Host.Run("/usr/bin/id", "-u", UserName).Code != 0)
            Host.MustRun("/usr/sbin/useradd", "-M", "-U", "-K", "SUB_UID_COUNT=0", "-K", "SUB_GID_COUNT=0", "-s", "/usr/sbin/nologin",
                "-d", "/nonexistent", UserName); // no subordinate ids: the library needs none
        return (uint.Parse(Host.MustRun("/usr/bin/id", "-u", UserName).Trim()), uint.Parse(Host.MustRun("/usr/bin/id", "-g", UserName).Trim()));
    }

    [Fact]
    public void AnOrdinaryUserGetsRootlessContainersWithTheSameApi()
    {
        var (uid, gid) = s_user.Value;
        // the app, as the user may read it: a copy of this test's output (the package's skiff included)
        string app = Path.Combine(_home, "app");
        Host.MustRun("/bin/cp", "-a", AppContext.BaseDirectory.TrimEnd('/'), app);
        Host.MustRun("/bin/chown", "-R", $"{uid}:{gid}", app);
        string prefix = "pkgrl-" + Guid.NewGuid().ToString("N")[..8];
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileName(p) == "dotnet" ? p : "/usr/bin/dotnet";

        var (code, output, err) = Host.Run("/usr/bin/setpriv", $"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--",
            "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", $"HOME={_home}", $"XDG_RUNTIME_DIR={_home}",
            "DOTNET_CLI_TELEMETRY_OPTOUT=1", $"DOTNET_ROOT={Path.GetDirectoryName(Path.GetFullPath(dotnet))}",
            dotnet, Path.Combine(app, "Skiff.PackageTests.dll"), "rootless-driver", Host.Rootfs, prefix);
        Assert.True(code == 0, $"driver failed ({code}): {err}\n{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(": ", 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

        Assert.Equal(Path.Combine(app, "skiff"), lines["binary"]);
        Assert.Equal("True", lines["rootless"]);
        Assert.Equal(Path.Combine(_home, "skiff-dotnet"), lines["bundles"]);
        // root inside is the user outside (spec --rootless: a user namespace with one mapping)
        Assert.Equal($"4 0|0 {uid} 1", lines["run"]);
        Assert.Equal($"{prefix}-a=Running", lines["list"]);
        Assert.Equal($"{prefix}-a", lines["cli-list"]);
        Assert.Equal("6 exec-stdin", lines["exec"]);
        Assert.Equal("0 got:main-stdin", lines["stream"]);
        Assert.StartsWith("RootRequiredException: memory, cpu and pids limits need cgroups", lines["limits"]);
        Assert.Equal("wait cancelled, alive=True", lines["cancel"]);
        Assert.Equal("alive=False", lines["dispose"]);

        // nothing left: the user's state root ($XDG_RUNTIME_DIR/skiff) and bundle root are empty, no process
        foreach (string root in new[] { Path.Combine(_home, "skiff"), Path.Combine(_home, "skiff-dotnet") })
            if (Directory.Exists(root))
                Assert.Empty(Directory.GetFileSystemEntries(root));
        foreach (string id in new[] { $"{prefix}-a", $"{prefix}-b" })
            Assert.Empty(Host.Leaks(Path.Combine(_home, "skiff"), Path.Combine(_home, "skiff-dotnet"), id));
        // the generated-id container of RunAsync: no process whose command line names the user's bundle root
        Assert.Empty(Host.LiveProcessesMentioning(Path.Combine(_home, "skiff-dotnet")));
    }
}
