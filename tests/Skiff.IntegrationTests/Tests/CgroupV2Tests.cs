using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// The cgroup v2 manager with real containers. This host is hybrid (v1 controllers, an empty cgroup2 at
/// /sys/fs/cgroup/unified), so the runtime is pointed at the cgroup2 hierarchy with the test knob
/// SKIFF_CGROUP_V2_ROOT: there the eBPF device filter, cgroup.freeze and cgroup.kill are all real, while resource
/// controllers are not available (which gives the "controller not available" failure path).
/// </summary>
public sealed class CgroupV2Tests : ContainerTest
{
    private const string V2Root = "/sys/fs/cgroup/unified";

    public CgroupV2Tests()
    {
        Rt.Env["SKIFF_CGROUP_V2_ROOT"] = V2Root;
    }

    /// <summary>The container's cgroup as saved in state.json (v2: the single "" path).</summary>
    private string CgroupDir(string id)
    {
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(Rt.Root, id, "state.json")))!.AsObject();
        var paths = state["cgroup_paths"]!.AsObject();
        Assert.Single(paths);
        return paths[""]!.GetValue<string>();
    }

    private (string Id, Bundle Bundle, int Pid, string Dir) Started(Bundle b)
    {
        var id = NewId("v2");
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        return (id, b, pid, CgroupDir(id));
    }

    private static string ReadFile(string dir, string file) => File.ReadAllText(Path.Combine(dir, file)).Trim();

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void TheContainerRunsInItsOwnCgroup2Cgroup()
    {
        var (id, b, pid, dir) = Started(NewBundle("sleep", "100"));
        Assert.StartsWith(V2Root + "/", dir);
        Assert.EndsWith("/" + id, dir);
        Assert.Contains(pid.ToString(), File.ReadAllLines(Path.Combine(dir, "cgroup.procs")));
        Assert.Equal(HostProc.CgroupDir(pid, ""), dir);
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(Directory.Exists(dir));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void DeviceRulesAreEnforcedByTheEbpfFilter()
    {
        // /dev/null: a default rule; /dev/fuse: allowed for reading only; /dev/mymem (c 1:1): created, no rule.
        var b = NewBundle()
            .AddDevice("/dev/fuse", "c", 10, 229)
            .AddDevice("/dev/mymem", "c", 1, 1)
            .AllowDevice("c", 10, 229, "r");
        var output = RunShell(b,
            "head -c 3 /dev/null && echo null-read-ok; echo x > /dev/null && echo null-write-ok; " +
            "(exec 3</dev/fuse) && echo fuse-read-ok; (exec 3>/dev/fuse) 2>&1 || echo fuse-write-denied; " +
            "(exec 3</dev/mymem) 2>&1 || echo mem-denied");
        Assert.Contains("null-read-ok", output);
        Assert.Contains("null-write-ok", output);
        Assert.Contains("fuse-read-ok", output);
        Assert.Contains("fuse-write-denied", output);
        Assert.Contains("mem-denied", output);
        Assert.Contains("Operation not permitted", output);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void ADenyRuleCannotPunchAHoleInAWildcardAllow()
    {
        // runc's devicefilter runs the rules through the v1 emulator first, so v2 refuses what v1 would
        var b = NewBundle("true").AddDevice("/dev/fuse", "c", 10, 229).Edit(c =>
        {
            var devs = Bundle.Arr(Bundle.Obj(Bundle.Obj(c, "linux"), "resources"), "devices");
            devs.Add(new JsonObject { ["allow"] = true, ["type"] = "c", ["access"] = "rwm" });
            devs.Add(new JsonObject { ["allow"] = false, ["type"] = "c", ["major"] = 10, ["minor"] = 229, ["access"] = "rwm" });
        });
        var id = NewId("v2");
        Rt.Run(id, b).AssertFailure("cannot punch hole in existing wildcard rule");
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void PauseAndResumeUseCgroupFreeze()
    {
        var (id, b, pid, dir) = Started(NewBundle("sleep", "100"));
        Rt.Exec("pause", id).AssertSuccess();
        Assert.Equal("paused", Rt.Status(id));
        Assert.Equal("1", ReadFile(dir, "cgroup.freeze"));
        Assert.Contains("frozen 1", File.ReadAllText(Path.Combine(dir, "cgroup.events")));
        Assert.Equal('S', HostProc.State(pid)); // a frozen task sleeps in the freezer
        Rt.Exec("resume", id).AssertSuccess();
        Assert.Equal("running", Rt.Status(id));
        Assert.Equal("0", ReadFile(dir, "cgroup.freeze"));
        Assert.Contains("frozen 0", File.ReadAllText(Path.Combine(dir, "cgroup.events")));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void KillAllKillsEveryProcessThroughCgroupKill()
    {
        var (id, b, pid, dir) = Started(NewBundle("sh", "-c", "sleep 100 & sleep 100 & sleep 100 & wait"));
        // a process in a sub-cgroup (made from the host) goes too: cgroup.kill covers the subtree
        var sub = Path.Combine(dir, "sub");
        Directory.CreateDirectory(sub);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<int> pids;
        while ((pids = File.ReadAllLines(Path.Combine(dir, "cgroup.procs")).Select(int.Parse).ToList()).Count < 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "the container never had 4 processes");
            Thread.Sleep(50);
        }
        var moved = pids.First(p => p != pid);
        File.WriteAllText(Path.Combine(sub, "cgroup.procs"), moved.ToString());
        Rt.Kill(id, "KILL", all: true).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (pids.Any(HostProc.IsAlive))
        {
            Assert.True(DateTime.UtcNow < deadline, "processes outlived kill --all: " + string.Join(",", pids.Where(HostProc.IsAlive)));
            Thread.Sleep(50);
        }
        Rt.Delete(id).AssertSuccess();
        Assert.False(Directory.Exists(dir));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void KillAllOnAPausedContainerKillsIt()
    {
        var (id, b, _, dir) = Started(NewBundle("sleep", "100"));
        Rt.Exec("pause", id).AssertSuccess();
        Rt.Kill(id, "KILL", all: true).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        Assert.False(Directory.Exists(dir));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void DeleteForceRemovesARunningContainerWithItsSubCgroups()
    {
        var (id, b, pid, dir) = Started(NewBundle("sh", "-c", "sleep 100 & wait"));
        Directory.CreateDirectory(Path.Combine(dir, "sub", "deeper"));
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(HostProc.IsAlive(pid));
        Assert.False(Directory.Exists(dir));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void ExecJoinsTheCgroup2Cgroup()
    {
        var (id, b, _, dir) = Started(NewBundle("sleep", "100"));
        var r = Rt.Exec("exec", id, "cat", "/proc/self/cgroup").AssertSuccess();
        Assert.Contains(r.Stdout.Split('\n'), l => l.StartsWith("0::", StringComparison.Ordinal) && l.EndsWith("/" + id, StringComparison.Ordinal));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void AnUnavailableControllerFailsCleanly()
    {
        var b = NewBundle("true").Memory(64L << 20);
        var id = NewId("v2");
        Rt.Run(id, b).AssertFailure("controller \"memory\" is not available");
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void AnInvalidResourceValueFailsCleanly()
    {
        var b = NewBundle("true").Edit(c => Bundle.Obj(Bundle.Obj(Bundle.Obj(c, "linux"), "resources"), "unified")["cgroup.max.depth"] = "lots");
        var id = NewId("v2");
        var r = Rt.Run(id, b).AssertFailure("cgroup.max.depth");
        Assert.Contains("invalid argument", r.Stderr);
        AssertNothingLeaked(id, b);
    }

    [SkiffFact(V2Root + "/cgroup.procs")]
    public void ADeviceRuleWithABadTypeFailsCleanly()
    {
        var b = NewBundle("true").Edit(c => Bundle.Arr(Bundle.Obj(Bundle.Obj(c, "linux"), "resources"), "devices")
            .Add(new JsonObject { ["allow"] = true, ["type"] = "x", ["major"] = 1, ["minor"] = 3, ["access"] = "r" }));
        var id = NewId("v2");
        var r = Rt.Run(id, b);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("x", r.Stderr);
        AssertNothingLeaked(id, b);
    }
}
