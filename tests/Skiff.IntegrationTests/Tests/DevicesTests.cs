using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>/dev: default devices, links, spec devices (runc's dev.bats).</summary>
public sealed class DevicesTests : ContainerTest
{
    [Theory]
    [InlineData("/dev/null", 1, 3)]
    [InlineData("/dev/zero", 1, 5)]
    [InlineData("/dev/full", 1, 7)]
    [InlineData("/dev/random", 1, 8)]
    [InlineData("/dev/urandom", 1, 9)]
    [InlineData("/dev/tty", 5, 0)]
    public void DefaultDevicesExist(string path, int major, int minor)
    {
        var output = RunShell(NewBundle(), $"stat -c '%F %t %T %a' {path}");
        Assert.Equal($"character special file {major:x} {minor:x} 666\n", output);
    }

    [Fact]
    public void DefaultDevicesWork()
    {
        var output = RunShell(NewBundle(), "echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c; head -c 4 /dev/urandom | wc -c");
        Assert.Equal("null-ok\n4\n4\n", output);
    }

    [Theory]
    [InlineData("/dev/fd", "/proc/self/fd")]
    [InlineData("/dev/stdin", "/proc/self/fd/0")]
    [InlineData("/dev/stdout", "/proc/self/fd/1")]
    [InlineData("/dev/stderr", "/proc/self/fd/2")]
    [InlineData("/dev/ptmx", "pts/ptmx")]
    public void DevLinksExist(string link, string target)
    {
        Assert.Equal(target + "\n", RunShell(NewBundle(), $"readlink {link}"));
    }

    [Fact]
    public void HostDevicesAreNotThere()
    {
        var output = RunShell(NewBundle(), "ls /dev");
        var entries = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.Contains("null", entries);
        Assert.Contains("zero", entries);
        Assert.DoesNotContain("sda", entries);
        Assert.DoesNotContain("vda", entries);
        Assert.DoesNotContain("mem", entries);
        Assert.DoesNotContain("kmsg", entries);
    }

    [Fact]
    public void ASpecDeviceIsCreated()
    {
        var b = NewBundle().AddDevice("/dev/fuse", "c", 10, 229, fileMode: 0x1b0 /* 0660 */, uid: 0, gid: 0);
        var output = RunShell(b, "stat -c '%F %t %T %a %u %g' /dev/fuse");
        Assert.Equal("character special file a e5 660 0 0\n", output);
    }

    [Fact]
    public void TheCgroupDeniesDevicesNotAllowed()
    {
        // c 240:0 (no driver) exists as a node but is not in the cgroup allow list: open gets EPERM.
        var b = NewBundle().AddDevice("/dev/dev240", "c", 240, 0);
        var output = RunShell(b, "head -c 1 /dev/dev240 2>&1; echo");
        Assert.Contains("Operation not permitted", output);
    }

    [Fact]
    public void AllowingADeviceInTheCgroupLetsItOpen()
    {
        // Allowed, the open reaches the (absent) driver: ENXIO instead of the cgroup's EPERM.
        var b = NewBundle().AddDevice("/dev/dev240", "c", 240, 0).AllowDevice("c", 240, 0, "rwm");
        var output = RunShell(b, "head -c 1 /dev/dev240 2>&1; echo");
        Assert.Contains("No such device or address", output);
    }

    [Fact]
    public void ASpecDeviceAliasOfAnAllowedDeviceWorks()
    {
        // 1:7 (full) is in the default allow list, so the alias opens and writes fail with ENOSPC.
        var b = NewBundle().AddDevice("/dev/myfull", "c", 1, 7);
        var output = RunShell(b, "(echo x > /dev/myfull) 2>&1; echo rc=$?");
        Assert.Contains("No space left on device", output);
        Assert.Contains("rc=1", output);
    }

    [Fact]
    public void DevPtsAndShmAreMounted()
    {
        var output = RunShell(NewBundle(), "awk '{print $5}' /proc/self/mountinfo");
        var points = output.Split('\n').ToHashSet();
        Assert.Contains("/dev/pts", points);
        Assert.Contains("/dev/shm", points);
        Assert.Contains("/dev/mqueue", points);
    }
}
