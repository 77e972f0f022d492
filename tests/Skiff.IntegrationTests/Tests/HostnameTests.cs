using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>hostname and domainname in the UTS namespace (runc's hostname tests).</summary>
public sealed class HostnameTests : ContainerTest
{
    [Fact]
    public void HostnameIsSet()
    {
        var b = NewBundle().Hostname("skiff-test-host");
        Assert.Equal("skiff-test-host\n", RunShell(b, "hostname"));
    }

    [FactUnlessRunc11("runc 1.1 ignores the domainname field")]
    public void DomainnameIsSet()
    {
        var b = NewBundle().Edit(c => c["domainname"] = "example.org");
        Assert.Equal("example.org\n", RunShell(b, "cat /proc/sys/kernel/domainname"));
    }

    [Fact]
    public void DomainnameViaSysctlIsSet()
    {
        var b = NewBundle().Sysctl("kernel.domainname", "sysctl.example");
        Assert.Equal("sysctl.example\n", RunShell(b, "cat /proc/sys/kernel/domainname"));
    }

    [Fact]
    public void TheHostsHostnameIsUntouched()
    {
        var host = File.ReadAllText("/proc/sys/kernel/hostname");
        var b = NewBundle().Hostname("other-name");
        Assert.Equal("other-name\n", RunShell(b, "hostname"));
        Assert.Equal(host, File.ReadAllText("/proc/sys/kernel/hostname"));
    }

    [Fact]
    public void HostnameWithoutAUtsNamespaceFails()
    {
        var b = NewBundle("true").Hostname("h").RemoveNamespace("uts");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("unable to set hostname without a private UTS namespace");
        AssertNothingLeaked(id, b);
    }
}
