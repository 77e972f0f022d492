using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>linux.sysctl (runc's sysctl.bats).</summary>
public sealed class SysctlTests : ContainerTest
{
    [Fact]
    public void ANetSysctlIsSetInTheNewNetns()
    {
        var host = File.ReadAllText("/proc/sys/net/ipv4/ip_forward");
        var b = NewBundle().Sysctl("net.ipv4.ip_forward", host.Trim() == "1" ? "0" : "1");
        Assert.Equal((host.Trim() == "1" ? "0" : "1") + "\n", RunShell(b, "cat /proc/sys/net/ipv4/ip_forward"));
        Assert.Equal(host, File.ReadAllText("/proc/sys/net/ipv4/ip_forward"));
    }

    [Fact]
    public void SeveralSysctlsAreSet()
    {
        var b = NewBundle().Sysctl("net.ipv4.ping_group_range", "0 2147483647").Sysctl("kernel.shmmni", "1000");
        var output = RunShell(b, "cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmni");
        Assert.Equal("0\t2147483647\n1000\n", output);
    }

    [Fact]
    public void ANetSysctlWithoutANetnsFails()
    {
        var b = NewBundle("true").RemoveNamespace("network").Sysctl("net.ipv4.ip_forward", "1");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ANonNamespacedSysctlIsRefused()
    {
        var b = NewBundle("true").Sysctl("vm.swappiness", "10");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("sysctl \"vm.swappiness\" is not in a separate kernel namespace");
        AssertNothingLeaked(id, b);
    }
}
