using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>The network namespace: only lo, and lo is up.</summary>
public sealed class NetworkTests : ContainerTest
{
    [Fact]
    public void ANewNetnsHasOnlyLoopback()
    {
        Assert.Equal("lo\n", RunShell(NewBundle(), "ls /sys/class/net"));
    }

    [Fact]
    public void LoopbackIsUp()
    {
        var flags = RunShell(NewBundle(), "cat /sys/class/net/lo/flags").Trim();
        Assert.Equal(1, Convert.ToInt32(flags, 16) & 1);
    }

    [Fact]
    public void LoopbackCarriesTraffic()
    {
        var output = RunShell(NewBundle(), "nc -l -p 4242 > /tmp/got & sleep 0.3; echo over-lo | nc 127.0.0.1 4242; wait; cat /tmp/got".Replace("/tmp/got", "/dev/shm/got"));
        Assert.Equal("over-lo\n", output);
    }

    [Fact]
    public void TheHostNetnsShowsTheHostsInterfaces()
    {
        var host = Directory.GetFileSystemEntries("/sys/class/net").Select(Path.GetFileName).Order().ToArray();
        var b = NewBundle().RemoveNamespace("network");
        var inside = RunShell(b, "ls /sys/class/net").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
        Assert.Equal(host, inside);
    }
}
