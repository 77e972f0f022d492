using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// The smaller behaviour changes of runc 1.2.x–1.5 (issue 15, item 6), one test each with a real container. Those
/// that need a cgroup v2 controller this host lacks (memory "unlimited" with swap, shares → weight) are covered by
/// unit tests of the v2 manager (ManagerSetTests, ConversionsTests, UnitPropertiesTests).
/// </summary>
public sealed class Runc15BehaviourTests : ContainerTest
{
    private const string Runc14 = "a runc 1.4 behaviour";

    [Fact]
    public void TunTapIsInTheDefaultDeviceList()
    {
        // runc 1.2.4 put c 10:200 back: /dev/net/tun may be made and opened; /dev/mem (1:1) stays denied
        var output = RunShell(NewBundle().Capabilities("CAP_MKNOD", "CAP_DAC_OVERRIDE"),
            "mkdir -p /dev/net; mknod /dev/net/tun c 10 200; mknod /dev/mem2 c 1 1; " +
            "cat /dev/net/tun 2>&1; echo; cat /dev/mem2 2>&1; true");
        var lines = output.Trim().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain("Operation not permitted", lines[0]); // tun opens; reading without TUNSETIFF fails otherwise
        Assert.Contains("Operation not permitted", lines[^1]);
    }

    [FactUnlessRunc11(Runc14)]
    public void PidsLimitZeroIsARealLimit()
    {
        if (!Directory.Exists("/sys/fs/cgroup/pids")) return;
        var b = NewBundle("sleep", "100").Pids(0);
        var id = NewId("pz");
        Rt.CreateAndStart(id, b).AssertSuccess();
        int pid = Rt.State(id)["pid"]!.GetValue<int>();
        // runc 1.4 writes 0 as 1 (systemd's TasksMax cannot be 0); before, 0 meant "leave it alone" ("max")
        Assert.Equal("1", File.ReadAllText(Path.Combine(HostProc.CgroupDir(pid, "pids")!, "pids.max")).Trim());
        Rt.Exec("exec", id, "true").AssertFailure();
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11(Runc14)]
    public void UserSysctlsNeedAndWorkWithAUserNamespace()
    {
        var b = UserNamespaceTests.WithUserNs(NewBundle()).Sysctl("user.max_user_namespaces", "7");
        Assert.Equal("7", RunShell(b, "cat /proc/sys/user/max_user_namespaces").Trim());
        Assert.NotEqual("7", File.ReadAllText("/proc/sys/user/max_user_namespaces").Trim()); // the host's is its own

        var nb = NewBundle("true").Sysctl("user.max_user_namespaces", "7");
        var id = NewId("us");
        Rt.Run(id, nb).AssertFailure("setting ucounts without a user namespace not allowed: user.max_user_namespaces");
        AssertNothingLeaked(id, nb);
    }

    [FactUnlessRunc11(Runc14)]
    public void PersonalityIsSetBeforeSeccomp()
    {
        // a profile that forbids personality(2): runc 1.4 sets the persona first, so the container still starts
        JsonObject Profile() => new()
        {
            ["defaultAction"] = "SCMP_ACT_ALLOW",
            ["syscalls"] = new JsonArray(new JsonObject { ["names"] = new JsonArray("personality"), ["action"] = "SCMP_ACT_ERRNO" }),
        };
        foreach (bool nnp in new[] { true, false })
        {
            var b = NewBundle().NoNewPrivileges(nnp);
            b.Linux["seccomp"] = Profile();
            b.Linux["personality"] = new JsonObject { ["domain"] = "LINUX32" };
            // control inside: the filter does block personality(2)
            var lines = RunShell(b, "uname -m; linux32 true 2>&1 || echo blocked").Trim().Split('\n');
            Assert.Equal("i686", lines[0]);
            Assert.Equal("blocked", lines[^1]);
        }
    }

    [FactUnlessRunc11(Runc14)]
    public void ExecProcessFileHonoursIoPriorityAndScheduler()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId("xp");
        Rt.CreateAndStart(id, b).AssertSuccess();
        var proc = JsonNode.Parse(b.Process.ToJsonString())!.AsObject();
        proc["args"] = new JsonArray("sh", "-c", "ionice -p $$; cat /proc/$$/stat");
        proc["ioPriority"] = new JsonObject { ["class"] = "IOPRIO_CLASS_IDLE", ["priority"] = 0 };
        proc["scheduler"] = new JsonObject { ["policy"] = "SCHED_BATCH", ["nice"] = 5 };
        string file = Path.Combine(b.Dir, "process.json");
        File.WriteAllText(file, proc.ToJsonString());
        var lines = Rt.Exec("exec", "-p", file, id).AssertSuccess().Stdout.Trim().Split('\n');
        Assert.Equal("idle", lines[0]);
        var stat = lines[1][(lines[1].LastIndexOf(')') + 2)..].Split(' ');
        Assert.Equal("5", stat[19 - 3]);  // nice
        Assert.Equal("3", stat[41 - 3]);  // SCHED_BATCH
        // control: an exec without them gets the defaults
        var plain = Rt.Exec("exec", id, "ionice", "-p", "1").AssertSuccess().Stdout.Trim();
        Assert.NotEqual("idle", plain);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 has no time namespace support")]
    public void JoiningATimeNamespaceWritesNoOffsets()
    {
        var a = NewBundle("sleep", "100").AddNamespace("time");
        a.Linux["timeOffsets"] = new JsonObject { ["monotonic"] = new JsonObject { ["secs"] = 86400, ["nanosecs"] = 0 } };
        var ida = NewId("tna");
        Rt.CreateAndStart(ida, a).AssertSuccess();
        int pid = Rt.State(ida)["pid"]!.GetValue<int>();

        // exec joins it (runc 1.2.6: no offsets written on join)
        Assert.Matches(@"monotonic\s+86400\s+0", Rt.Exec("exec", ida, "cat", "/proc/self/timens_offsets").AssertSuccess().Stdout);

        // a second container joins it by path and sees the first one's offsets
        var b = NewBundle("cat", "/proc/self/timens_offsets").AddNamespace("time", $"/proc/{pid}/ns/time");
        var idb = NewId("tnb");
        Assert.Matches(@"monotonic\s+86400\s+0", Rt.Run(idb, b).AssertSuccess().Stdout);
        AssertNothingLeaked(idb, b);

        // offsets for a joined namespace cannot be honoured: refused up front
        var c = NewBundle("true").AddNamespace("time", $"/proc/{pid}/ns/time");
        c.Linux["timeOffsets"] = new JsonObject { ["boottime"] = new JsonObject { ["secs"] = 5 } };
        var idc = NewId("tnc");
        Rt.Run(idc, c).AssertFailure("time namespace enabled, but both namespace path and time offsets specified -- you may only provide one");
        AssertNothingLeaked(idc, c);

        Rt.Delete(ida, force: true).AssertSuccess();
        AssertNothingLeaked(ida, a);
    }

    [FactUnlessRunc11("runc 1.1 cannot delete what a killed create left")]
    public void DeleteCleansUpAfterACreateKilledHalfWay()
    {
        if (RepoPaths.IsRunc) return; // skiff's crash-consistent create record
        // a createRuntime hook holds `create` in the middle (init made, cgroup joined, no state.json yet)
        string mark = Path.Combine(RepoPaths.TempRoot, "hook-" + Guid.NewGuid().ToString("N")[..8]);
        var b = NewBundle("sleep", "100").AddHook("createRuntime", "/bin/sh", ["sh", "-c", $"echo $$ > {mark}.tmp; mv {mark}.tmp {mark}; exec sleep 60"]);
        b.Save();
        var id = NewId("hk");
        var psi = new System.Diagnostics.ProcessStartInfo(RepoPaths.RuntimePath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--root", Rt.Root, "create", "-b", b.Dir, id }) psi.ArgumentList.Add(a);
        using var create = System.Diagnostics.Process.Start(psi)!;
        int hook = 0;
        try
        {
            for (int i = 0; i < 600 && !File.Exists(mark); i++) Thread.Sleep(50);
            Assert.True(File.Exists(mark), "the hook never ran");
            hook = int.Parse(File.ReadAllText(mark).Trim());
            var record = JsonNode.Parse(File.ReadAllText(Path.Combine(Rt.Root, id, "state.json")))!;
            var cgroups = record["cgroup_paths"]!.AsObject().Select(kv => kv.Value!.GetValue<string>()).Distinct().ToList();
            string procs = cgroups.Select(d => Path.Combine(d, "cgroup.procs")).First(File.Exists);
            var inside = File.ReadAllLines(procs).Where(l => l.Length > 0).Select(int.Parse).ToList();
            Assert.NotEmpty(inside); // control: init is there, in the container's cgroup

            create.Kill(); // SIGKILL, half-way
            create.WaitForExit();
            Assert.Equal("stopped", Rt.Status(id)); // the record outlives the killed create: seen, and stopped
            Rt.Delete(id, force: true).AssertSuccess();
            Assert.All(inside, pid => Assert.False(HostProc.IsAlive(pid)));
            Assert.All(cgroups, d => Assert.False(Directory.Exists(d)));
            Assert.False(Directory.Exists(Path.Combine(Rt.Root, id)));
            // the hook is the killed create's own child, outside the container: not skiff's to end (nor runc's)
            HostProc.Kill(hook, 9);
            for (int i = 0; i < 100 && HostProc.IsAlive(hook); i++) Thread.Sleep(20);
            AssertNothingLeaked(id, b);
        }
        finally
        {
            if (hook > 0) HostProc.Kill(hook, 9);
            Runtime.TryDelete(mark);
        }
    }
}
