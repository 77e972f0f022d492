using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// skiff init writes under /proc through the /proc it had before the container's mounts (ProcfsHandle.UseCurrent),
/// not through a private procfs instance whose teardown would delay the container process's exec. Where that /proc
/// hides a file, as a procfs mounted with subset=pid (systemd's ProcSubset=pid) hides /proc/sys, the write goes
/// through a private procfs instead. The runtime here runs in a private mount namespace of the test's with such a
/// /proc (the host's mounts are not touched).
/// </summary>
public sealed class ProcfsHandleTests : ContainerTest
{
    private const string Cover = "mount -t proc -o subset=pid proc /proc";
    private static readonly Lazy<string> s_wrapper = new(MakeWrapper);

    public ProcfsHandleTests()
        : base(new Runtime { Binary = s_wrapper.Value })
    {
    }

    [Fact]
    public void ASysctlIsWrittenThroughAPrivateProcfsWhereTheHostsProcHidesIt()
    {
        // control: in such a mount namespace /proc has no sys, while the process's own directory is there
        Assert.Equal("self yes, sys no\n", Shell($"{Cover} && echo \"self $(test -d /proc/self && echo yes), sys $(test -e /proc/sys && echo yes || echo no)\""));

        string host = File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim();
        string want = host == "1" ? "0" : "1";
        var b = NewBundle().Sysctl("net.ipv4.ip_forward", want);
        b.Shell("cat /proc/sys/net/ipv4/ip_forward");
        b.Save();
        var id = NewId("pfs");
        var r = Rt.Exec(["--debug", "run", "-b", b.Dir, id]).AssertSuccess();

        Assert.Equal(want + "\n", r.Stdout);
        if (!RepoPaths.IsRunc)
        {
            Assert.Contains("procfs handle: /proc/sys/net/ipv4/ip_forward on /proc before the container's mounts: no such file or directory", r.Stderr);
            Assert.Contains("written through a private procfs", r.Stderr);
        }
        Assert.Equal(host, File.ReadAllText("/proc/sys/net/ipv4/ip_forward").Trim());
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void InitUsesTheProcItHadBeforeTheContainersMounts()
    {
        var b = NewBundle().Sysctl("kernel.shmmni", "1000");
        b.Shell("cat /proc/sys/kernel/shmmni");
        b.Save();
        var id = NewId("pfs");
        var r = new Runtime(Rt.Root).Exec(["--debug", "run", "-b", b.Dir, id]).AssertSuccess();

        Assert.Equal("1000\n", r.Stdout);
        if (!RepoPaths.IsRunc)
        {
            Assert.Contains("procfs handle: /proc before the container's mounts", r.Stderr);
            Assert.DoesNotContain("private procfs", r.Stderr);
        }
        AssertNothingLeaked(id, b);
    }

    /// <summary>The runtime in a private mount namespace whose /proc is a subset=pid procfs.</summary>
    private static string MakeWrapper()
    {
        string dir = Path.Combine(RepoPaths.TempRoot, "procfs-cover-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "runtime");
        File.WriteAllText(path,
            "#!/bin/sh\n" +
            "exec unshare --mount --propagation private -- /bin/sh -c '" + Cover + " && exec \"$0\" \"$@\"' " +
            $"'{RepoPaths.RuntimePath}' \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static string Shell(string script)
    {
        var psi = new ProcessStartInfo("unshare") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"unshare -m sh -c '{script}' failed ({p.ExitCode}): {error}");
        return output;
    }
}
