using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// procHooks without hooks: init switches its root without waiting for the parent's answer (the parent sets the cgroup
/// limits meanwhile) and takes the answer right after the switch.
/// </summary>
public sealed class HooksSyncTests : ContainerTest
{
    /// <summary>An init gone before the answer is sent (the knob kills it then) is one clear failure, not the
    /// broken pipe of the answer, and leaves nothing behind.</summary>
    [SkiffFact]
    public void AnInitGoneBeforeTheHooksAnswerIsReportedOnce()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.Env["SKIFF_TEST_FAIL"] = "init-gone-before-hooks-answer";
        var r = Rt.Run(id, b).AssertFailure("init closed the sync socket before it was ready");
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("level=error", StringComparison.Ordinal));
        Assert.DoesNotContain("procHooksDone", r.Stderr);
        AssertNothingLeaked(id, b);
    }

    /// <summary>The cgroup limits the parent sets at procHooks are in place when the container's process runs, and
    /// init opens its devices only after they are set: a v1 devices cgroup refuses every device while its rules are
    /// replaced, and init reopens /dev/null right after the root switch (which once raced with the parent, failing
    /// about one run in twenty with "open /proc/thread-self/fd/N: operation not permitted").</summary>
    [Fact]
    public void TheLimitsSetAtProcHooksHoldAndInitsDeviceOpensFollowThem()
    {
        for (int i = 0; i < 25; i++)
        {
            var b = NewBundle().Memory(64L << 20);
            string output = RunShell(b, "head -c 3 /dev/zero | wc -c; cat /sys/fs/cgroup/memory/memory.limit_in_bytes");
            Assert.Equal($"3\n{64L << 20}\n", output);
        }
    }
}
