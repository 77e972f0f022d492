using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`kill` (runc's kill.bats). A pid-namespace init only gets signals it has a handler for, so the
/// containers trap the signal and print its name.</summary>
public sealed class KillTests : ContainerTest
{
    private const string TrapScript =
        "trap 'echo got TERM; exit 0' TERM; trap 'echo got USR1; exit 0' USR1; trap 'echo got HUP; exit 0' HUP; " +
        "echo ready; while :; do sleep 0.1; done";

    private (string Id, Bundle Bundle, RunResult Created) StartTrapping()
    {
        var b = ShellBundle(TrapScript);
        var id = NewId();
        var created = Rt.CreateAndStart(id, b);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!created.Stdout.Contains("ready", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "container never printed ready");
            Thread.Sleep(50);
        }
        return (id, b, created);
    }

    [Theory]
    [InlineData(null, "TERM")]
    [InlineData("TERM", "TERM")]
    [InlineData("SIGUSR1", "USR1")]
    [InlineData("USR1", "USR1")]
    [InlineData("10", "USR1")]
    [InlineData("1", "HUP")]
    public void KillDeliversTheSignal(string? signal, string expected)
    {
        var (id, b, created) = StartTrapping();
        Rt.Kill(id, signal).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Assert.Contains($"got {expected}", created.Stdout);
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void KillWithSigkillStopsAnInitWithoutHandlers()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.Kill(id, "SIGKILL").AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void KillACreatedContainer()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        Rt.Kill(id, "KILL").AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void KillAllSignalsEveryProcessInTheContainer()
    {
        var b = ShellBundle("sleep 100 & sleep 100 & echo ready; wait");
        var id = NewId();
        var created = Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        var procsFile = Path.Combine(HostProc.CgroupDir(pid, "pids")!, "cgroup.procs");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        int[] procs;
        while ((procs = File.ReadAllLines(procsFile).Select(int.Parse).ToArray()).Length < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "children never started");
            Thread.Sleep(50);
        }
        Rt.Kill(id, "KILL", all: true).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        foreach (var p in procs)
        {
            var gone = DateTime.UtcNow.AddSeconds(5);
            while (HostProc.IsAlive(p) && DateTime.UtcNow < gone)
            {
                Thread.Sleep(50);
            }
            Assert.False(HostProc.IsAlive(p), $"process {p} survived kill --all");
        }
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void KillAStoppedContainerFails()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        Rt.Kill(id, "KILL").AssertFailure("container not running");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    private int[] WaitForProcs(int pid, int count)
    {
        var procsFile = Path.Combine(HostProc.CgroupDir(pid, "pids")!, "cgroup.procs");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        int[] procs;
        while ((procs = File.ReadAllLines(procsFile).Select(int.Parse).ToArray()).Length < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "children never started");
            Thread.Sleep(50);
        }
        return procs;
    }

    private static void AssertAllDie(IEnumerable<int> procs, string what)
    {
        foreach (var p in procs)
        {
            var gone = DateTime.UtcNow.AddSeconds(10);
            while (HostProc.IsAlive(p) && DateTime.UtcNow < gone)
            {
                Thread.Sleep(50);
            }
            Assert.False(HostProc.IsAlive(p), $"process {p} survived {what}");
        }
    }

    [FactUnlessRunc11("runc 1.1 signals only init without --all")]
    public void KillKillInTheHostPidNamespaceKillsTheWholeCgroupEvenWithInitGone()
    {
        var b = ShellBundle("sleep 1000 & sleep 1000 & echo ready; wait").RemoveNamespace("pid");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var init = Rt.State(id)["pid"]!.GetValue<int>();
        var procs = WaitForProcs(init, 3);
        // init dies alone: in the host's pid namespace its children live on, in the container's cgroup
        HostProc.Kill(init, 9);
        Rt.WaitForStatus(id, "stopped");
        var children = procs.Where(p => p != init).ToArray();
        Assert.All(children, p => Assert.True(HostProc.IsAlive(p), $"child {p} died with init"));
        Rt.Kill(id, "KILL").AssertSuccess();
        AssertAllDie(children, "kill KILL");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 signals only init without --all")]
    public void KillKillInTheHostPidNamespaceWithInitAliveKillsItsChildrenToo()
    {
        var b = ShellBundle("sleep 1000 & sleep 1000 & echo ready; wait").RemoveNamespace("pid");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var procs = WaitForProcs(Rt.State(id)["pid"]!.GetValue<int>(), 3);
        Rt.Kill(id, "KILL").AssertSuccess();
        AssertAllDie(procs, "kill KILL");
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void KillAllOfAStoppedContainerSucceedsPlainKillDoesNot()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        Rt.Kill(id, "KILL", all: true).AssertSuccess();
        Rt.Kill(id, "TERM", all: true).AssertSuccess();
        Rt.Kill(id, "TERM").AssertFailure("container not running");
        Assert.Equal("stopped", Rt.Status(id));
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void KillWithAnUnknownSignalFails()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.Kill(id, "SIGNOPE").AssertFailure("unknown signal \"SIGNOPE\"");
        Assert.Equal("running", Rt.Status(id));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
