using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>A start that fails because the memory cgroup killed something says so (runc's OOM-kill check).</summary>
public sealed class OomTests : ContainerTest
{
    [Fact]
    public void AnOomKillDuringCreateIsNamedInTheError()
    {
        if (RepoPaths.IsRunc) return; // runc 1.1 has no OOM-kill check at start
        // The createContainer hook runs inside init's cgroup: dd's 256 MiB buffer cannot fit in 64 MiB,
        // so the kernel OOM-kills it (no swap: memsw equals the limit) and the start fails.
        var b = NewBundle("true").Memory(64L << 20, 64L << 20)
            .AddHook("createContainer", "/bin/sh", ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=256M count=1"]);
        var id = NewId();
        var r = Rt.Run(id, b);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("container init was OOM-killed (memory limit too low?)", r.Stderr);
        AssertNothingLeaked(id, b);
    }
}
