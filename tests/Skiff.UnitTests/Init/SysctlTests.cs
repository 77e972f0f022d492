using Skiff.LibContainer;
using Skiff.LibContainer.Init;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Init;

public class SysctlTests
{
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
