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
        // the client retries until the listener is up (a fixed wait for it failed on a busy machine)
        var output = RunShell(NewBundle(),
            "nc -l -p 4242 > /dev/shm/got & for i in $(seq 100); do echo over-lo | nc 127.0.0.1 4242 2>/dev/null && break; sleep 0.05; done; wait; cat /dev/shm/got");
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
