using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// create sends init its config while it makes the state directory and the cgroups (ParentProcess, InitChild.SendConfig):
/// init decodes it and does what needs no cgroup, then waits for the fds message, sent once it is in its cgroup.
/// </summary>
public sealed class EarlyConfigTests : ContainerTest
{
    /// <summary>An init that fails on its early config is gone before the parent sends it the fds (the knob waits for
    /// that before the cgroup join): the failure is init's own reason, once, not the broken pipe of the fds message,
    /// and nothing is left.</summary>
    [SkiffFact]
    public void AnInitThatFailsOnItsEarlyConfigIsReportedOnce()
    {
        // init joins a network namespace by path itself (nsexec kept the speculative init), right after its config
        var b = NewBundle("true").AddNamespace("network", "/proc/2147483646/ns/net");
        var id = NewId();
        Rt.Env["SKIFF_TEST_FAIL"] = "init-failed-before-cgroup";
        var r = Rt.Run(id, b).AssertFailure("/proc/2147483646/ns/net: no such file or directory");
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("level=error", StringComparison.Ordinal));
        Assert.DoesNotContain("broken pipe", r.Stderr);
        AssertNothingLeaked(id, b);
    }

    /// <summary>For a config the speculative init does not fit (here: the host's pid namespace) nsexec joins the
    /// namespaces itself, and fails on a path that does not exist, often before create has written init's config:
    /// that write meets a socket nobody holds any more. The failure is nsexec's reason, once, not the write's broken
    /// pipe (which it was in 3 of 5 tries before), and nothing is left. Ten tries, as it is a race.</summary>
    [Fact]
    public void NsexecFailingBeforeTheEarlyConfigIsReportedOnce()
    {
        for (int i = 0; i < 10; i++)
        {
            var b = NewBundle("true").RemoveNamespace("pid").AddNamespace("network", "/proc/2147483646/ns/net");
            var id = NewId();
            var r = Rt.Run(id, b).AssertFailure("/proc/2147483646/ns/net: no such file or directory");
            Assert.Single(r.Stderr.Split('\n'), l => l.Contains("level=error", StringComparison.Ordinal));
            Assert.DoesNotContain("broken pipe", r.Stderr);
            AssertNothingLeaked(id, b);
        }
    }
}
