using Skiff.LibContainer;
using Skiff.LibContainer.Init;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Init;

public class SysctlTests
{
    private static List<LinuxNamespace> Ns(params string[] types) => types.Select(t => new LinuxNamespace { Type = t }).ToList();

    private static string? Error(string key, List<LinuxNamespace> ns)
    {
        try
        {
            Sysctl.Validate(new Dictionary<string, string> { [key] = "1" }, ns);
            return null;
        }
        catch (ContainerException ex) { return ex.Message; }
    }

    [Theory]
    [InlineData("kernel.msgmax")]
    [InlineData("kernel.shm_rmid_forced")]
    [InlineData("fs.mqueue.queues_max")]
    [InlineData("kernel/shmmax")]
    public void IpcSysctlsNeedAnIpcNamespace(string key)
    {
        Assert.Null(Error(key, Ns("ipc")));
        Assert.Equal($"sysctl \"{Sysctl.ToDots(key)}\" is not allowed in the hosts ipc namespace", Error(key, Ns("network", "uts")));
    }

    [Fact]
    public void NetSysctlsNeedANetworkNamespace()
    {
        Assert.Null(Error("net.ipv4.ip_forward", Ns("network")));
        Assert.Equal("sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace", Error("net.ipv4.ip_forward", Ns("ipc")));
    }

    [Fact]
    public void JoiningOurOwnNetnsCountsAsHost()
    {
        var ns = new List<LinuxNamespace> { new() { Type = "network", Path = "/proc/self/ns/net" } };
        Assert.Equal("sysctl \"net.core.somaxconn\" not allowed in host network namespace", Error("net.core.somaxconn", ns));
    }

    [Fact]
    public void UtsSysctls()
    {
        Assert.Null(Error("kernel.domainname", Ns("uts")));
        Assert.Equal("sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field",
            Error("kernel.hostname", Ns("uts")));
        Assert.Equal("sysctl \"kernel.domainname\" is not in a separate kernel namespace", Error("kernel.domainname", Ns("ipc")));
    }

    [Fact]
    public void OtherSysctlsAreRefused() =>
        Assert.Equal("sysctl \"vm.swappiness\" is not in a separate kernel namespace",
            Error("vm.swappiness", Ns("ipc", "uts", "network", "mount", "pid", "user", "cgroup")));

    [Fact]
    public void EmptyOrNullIsFine()
    {
        Sysctl.Validate(null, null);
        Sysctl.Validate(new Dictionary<string, string>(), null);
    }

    [Theory]
    [InlineData("net.ipv4.ip_forward", "net.ipv4.ip_forward")]
    [InlineData("net/ipv4/ip_forward", "net.ipv4.ip_forward")]
    [InlineData("net/ipv4/conf/eno2.100/rp_filter", "net.ipv4.conf.eno2/100.rp_filter")]
    [InlineData("net.ipv4.conf.eno2/100.rp_filter", "net.ipv4.conf.eno2/100.rp_filter")]
    [InlineData("", "")]
    public void ToDots(string input, string expected) => Assert.Equal(expected, Sysctl.ToDots(input));

    [Theory]
    [InlineData("net.ipv4.ip_forward", "/proc/sys/net/ipv4/ip_forward")]
    [InlineData("kernel/shmmax", "/proc/sys/kernel/shmmax")]
    [InlineData("net/ipv4/conf/eno2.100/rp_filter", "/proc/sys/net/ipv4/conf/eno2.100/rp_filter")]
    [InlineData("net.ipv4.conf.eno2/100.rp_filter", "/proc/sys/net/ipv4/conf/eno2.100/rp_filter")]
    public void KeyPath(string key, string path) => Assert.Equal(path, Sysctl.KeyPath(key));

    [Theory]
    [InlineData("net..x")]
    [InlineData("net/../../etc/x")]
    [InlineData(".net")]
    public void KeyPathRefusesEscapes(string key) => Assert.Throws<ContainerException>(() => Sysctl.KeyPath(key));
}
