using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>root.readonly, maskedPaths and readonlyPaths.</summary>
public sealed class RootfsTests : ContainerTest
{
    [Fact]
    public void AReadonlyRootCannotBeWritten()
    {
        var output = RunShell(NewBundle().ReadonlyRoot(true), "touch /x 2>&1; echo rc=$?");
        Assert.Contains("Read-only file system", output);
        Assert.Contains("rc=1", output);
    }

    [Fact]
    public void AWritableRootCanBeWritten()
    {
        var b = NewBundle().ReadonlyRoot(false);
        RunShell(b, "echo data > /written");
        Assert.Equal("data\n", File.ReadAllText(Path.Combine(b.RootfsPath, "written")));
    }

    [Fact]
    public void TheProcessSeesTheBundlesRootfsAsRoot()
    {
        var b = NewBundle().PrivateRootfs();
        File.WriteAllText(Path.Combine(b.RootfsPath, "marker"), "this rootfs\n");
        Assert.Equal("this rootfs\n", RunShell(b, "cat /marker"));
    }

    [Fact]
    public void TheOldRootIsGone()
    {
        // After pivot_root nothing of the host's root remains reachable.
        var output = RunShell(NewBundle(), "cat /proc/self/mountinfo | wc -l; ls /; test -e /bin/busybox && echo ok");
        Assert.Contains("ok", output);
        Assert.DoesNotContain("/var/tmp", RunShell(NewBundle(), "cat /proc/self/mountinfo | awk '{print $5}'"));
    }

    [Fact]
    public void MaskedFilesReadEmpty()
    {
        // (this kernel has no /proc/kcore)
        var b = NewBundle().MaskedPaths("/proc/version", "/proc/uptime");
        var output = RunShell(b, "wc -c < /proc/version; wc -c < /proc/uptime");
        Assert.Equal("0\n0\n", output);
    }

    [Fact]
    public void MaskedDirectoriesAreEmptyAndReadOnly()
    {
        var b = NewBundle().MaskedPaths("/sys/firmware", "/proc/acpi");
        var output = RunShell(b, "ls -A /sys/firmware | wc -l; touch /sys/firmware/x 2>/dev/null && echo writable || echo readonly");
        Assert.Equal("0\nreadonly\n", output);
    }

    [Fact]
    public void AMaskedPathThatDoesNotExistIsIgnored()
    {
        var b = NewBundle().MaskedPaths("/proc/does-not-exist");
        Assert.Equal("ok\n", RunShell(b, "echo ok"));
    }

    [Fact]
    public void ReadonlyPathsAreReadOnly()
    {
        var b = NewBundle().ReadonlyPaths("/proc/sys", "/proc/sysrq-trigger");
        var output = RunShell(b, "grep ' /proc/sys ' /proc/self/mountinfo | awk '{print $6}'; echo 1 > /proc/sys/net/ipv4/ip_forward 2>/dev/null && echo writable || echo readonly");
        var lines = output.Split('\n');
        Assert.Contains("ro", lines[0].Split(','));
        Assert.Equal("readonly", lines[1]);
    }

    [Fact]
    public void WithoutReadonlyPathsProcSysIsWritableInANewNetns()
    {
        var b = NewBundle().ReadonlyPaths().Capabilities("CAP_NET_ADMIN", "CAP_SYS_ADMIN");
        Assert.Equal("1\n", RunShell(b, "echo 1 > /proc/sys/net/ipv4/ip_forward && cat /proc/sys/net/ipv4/ip_forward"));
    }
}
