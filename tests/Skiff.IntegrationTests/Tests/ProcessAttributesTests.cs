using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// What init sets on the process just before exec: personality, scheduler, I/O priority, LSM labels (AppArmor,
/// SELinux: neither runs on this machine, so requesting them must fail clearly), time namespace offsets, and the
/// default masked/read-only paths of `spec`. Read back inside the container; failures leave nothing behind.
/// </summary>
public sealed class ProcessAttributesTests : ContainerTest
{
    private const string Runc11NoScheduler = "runc 1.1 ignores process.scheduler and process.ioPriority";

    private void AssertFails(Bundle b, string? fragment)
    {
        var id = NewId();
        Rt.Run(id, b).AssertFailure(fragment, exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    // ---- personality ----------------------------------------------------------------------------

    [FactUnlessRunc11("runc 1.1 ignores linux.personality")]
    public void Linux32PersonalityShowsInUname()
    {
        var b = NewBundle();
        b.Linux["personality"] = new JsonObject { ["domain"] = "LINUX32" };
        Assert.Equal("i686", RunShell(b, "uname -m").Trim());
    }

    [Fact]
    public void LinuxPersonalityIsTheNativeOne()
    {
        var b = NewBundle();
        b.Linux["personality"] = new JsonObject { ["domain"] = "LINUX" };
        Assert.Equal("x86_64", RunShell(b, "uname -m").Trim());
    }

    [FactUnlessRunc11("runc 1.1 ignores linux.personality")]
    public void AnUnknownPersonalityDomainIsRejected()
    {
        var b = NewBundle();
        b.Linux["personality"] = new JsonObject { ["domain"] = "LINUX64" };
        AssertFails(b, "invalid personality domain LINUX64");
    }

    // ---- scheduler ------------------------------------------------------------------------------

    /// <summary>/proc/PID/stat fields 19 (nice) and 41 (policy).</summary>
    private static (int Nice, int Policy) NiceAndPolicy(string statLine)
    {
        var rest = statLine[(statLine.LastIndexOf(')') + 2)..].Split(' ');
        return (int.Parse(rest[19 - 3]), int.Parse(rest[41 - 3]));
    }

    [FactUnlessRunc11(Runc11NoScheduler)]
    public void SchedBatchWithNice()
    {
        var b = NewBundle();
        b.Process["scheduler"] = new JsonObject { ["policy"] = "SCHED_BATCH", ["nice"] = 7 };
        // busybox runs cat in the shell's own process (and the last command of -c in place): the subshell is a child
        var lines = RunShell(b, "cat /proc/1/stat; (cat /proc/self/stat); true").Trim().Split('\n');
        Assert.Equal((7, 3), NiceAndPolicy(lines[0]));
        Assert.Equal((7, 3), NiceAndPolicy(lines[1])); // inherited by children
    }

    [FactUnlessRunc11(Runc11NoScheduler)]
    public void SchedIdle()
    {
        var b = NewBundle();
        b.Process["scheduler"] = new JsonObject { ["policy"] = "SCHED_IDLE" };
        Assert.Equal(5, NiceAndPolicy(RunShell(b, "cat /proc/1/stat")).Policy);
    }

    [FactUnlessRunc11(Runc11NoScheduler)]
    public void ResetOnForkResetsANegativeNiceInChildren()
    {
        var b = NewBundle();
        b.Process["scheduler"] = new JsonObject
        {
            ["policy"] = "SCHED_OTHER", ["nice"] = -5, ["flags"] = new JsonArray("SCHED_FLAG_RESET_ON_FORK"),
        };
        var lines = RunShell(b, "cat /proc/1/stat; (cat /proc/self/stat); true").Trim().Split('\n');
        Assert.Equal((-5, 0), NiceAndPolicy(lines[0]));
        Assert.Equal((0, 0), NiceAndPolicy(lines[1]));
    }

    [FactUnlessRunc11(Runc11NoScheduler)]
    public void SchedFifoWithARealtimeBudget()
    {
        var b = NewBundle();
        b.Process["scheduler"] = new JsonObject { ["policy"] = "SCHED_FIFO", ["priority"] = 10 };
        // with RT group scheduling (cgroup v1 cpu.rt_runtime_us) a new cgroup has no RT budget of its own
        var cpu = Bundle.Obj(b.Resources, "cpu");
        if (File.Exists("/sys/fs/cgroup/cpu/cpu.rt_runtime_us"))
        {
            cpu["realtimeRuntime"] = 10000;
            cpu["realtimePeriod"] = 1000000;
        }
        var output = RunShell(b, "cat /proc/1/stat; grep -E '^(prio|policy)' /proc/1/sched");
        Assert.Equal(1, NiceAndPolicy(output.Split('\n')[0]).Policy);
    }

    [FactUnlessRunc11(Runc11NoScheduler)]
    public void SchedDeadline()
    {
        var b = NewBundle();
        b.Process["scheduler"] = new JsonObject
        {
            ["policy"] = "SCHED_DEADLINE", ["runtime"] = 1000000, ["deadline"] = 10000000, ["period"] = 10000000,
        };
        Assert.Equal(6, NiceAndPolicy(RunShell(b, "cat /proc/1/stat")).Policy);
    }

    [Theory]
    [InlineData("""{"policy":"SCHED_FOO"}""", "invalid scheduler policy: SCHED_FOO")]
    [InlineData("""{"policy":""}""", "scheduler policy is required")]
    [InlineData("""{"policy":"SCHED_OTHER","nice":30}""", "invalid scheduler.nice: 30 when scheduler.policy is SCHED_OTHER")]
    [InlineData("""{"policy":"SCHED_BATCH","priority":5}""", "scheduler.priority can only be specified for SchedFIFO or SchedRR policy")]
    [InlineData("""{"policy":"SCHED_RR","runtime":5}""", "scheduler runtime/deadline/period can only be specified for SchedDeadline policy")]
    [InlineData("""{"policy":"SCHED_OTHER","flags":["SCHED_FLAG_FOO"]}""", "invalid scheduler flag: SCHED_FLAG_FOO")]
    [InlineData("""{"policy":"SCHED_FIFO","priority":100}""", "error setting scheduler")]
    public void ABadSchedulerIsRejected(string json, string message)
    {
        if (RuntimeInfo.IsRunc11)
        {
            return; // runc 1.1 ignores process.scheduler
        }
        var b = NewBundle();
        b.Process["scheduler"] = JsonNode.Parse(json);
        AssertFails(b, message);
    }

    // ---- I/O priority -----------------------------------------------------------------------------

    [Theory]
    [InlineData("IOPRIO_CLASS_IDLE", 0, "idle")]
    [InlineData("IOPRIO_CLASS_BE", 6, "best-effort: prio 6")]
    [InlineData("IOPRIO_CLASS_RT", 2, "realtime: prio 2")]
    public void IoPriorityIsSet(string cls, int priority, string shown)
    {
        if (RuntimeInfo.IsRunc11)
        {
            return; // runc 1.1 ignores process.ioPriority
        }
        var b = NewBundle();
        b.Process["ioPriority"] = new JsonObject { ["class"] = cls, ["priority"] = priority };
        var output = RunShell(b, "ionice -p 1; ionice -p $$");
        Assert.Equal([shown, shown], output.Trim().Split('\n'));
    }

    [Theory]
    [InlineData("IOPRIO_CLASS_FOO", 0, "invalid io priority class: IOPRIO_CLASS_FOO")]
    [InlineData("IOPRIO_CLASS_BE", 8, "invalid ioPriority.Priority: 8")]
    [InlineData("IOPRIO_CLASS_BE", -1, "invalid ioPriority.Priority: -1")]
    public void ABadIoPriorityIsRejected(string cls, int priority, string message)
    {
        if (RuntimeInfo.IsRunc11)
        {
            return; // runc 1.1 ignores process.ioPriority
        }
        var b = NewBundle();
        b.Process["ioPriority"] = new JsonObject { ["class"] = cls, ["priority"] = priority };
        AssertFails(b, message);
    }

    // ---- LSM labels (this machine runs neither AppArmor nor SELinux) ---------------------------------

    [Fact]
    public void AnAppArmorProfileWithoutAppArmorIsAnError()
    {
        Assert.False(Directory.Exists("/sys/kernel/security/apparmor"), "this test expects a host without AppArmor");
        var b = NewBundle();
        b.Process["apparmorProfile"] = "skiff-test-profile";
        AssertFails(b, "unable to apply apparmor profile");
    }

    [Fact]
    public void ASelinuxProcessLabelWithoutSelinuxIsAnError()
    {
        Assert.False(File.Exists("/sys/fs/selinux/enforce"), "this test expects a host without SELinux");
        var b = NewBundle();
        b.Process["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2";
        AssertFails(b, "selinux label is specified in config, but selinux is disabled or not supported");
    }

    [Fact]
    public void ASelinuxMountLabelWithoutSelinuxIsAnError()
    {
        // runc fails too, later: its tmpfs mounts get a context= option the kernel rejects
        var b = NewBundle();
        b.Linux["mountLabel"] = "system_u:object_r:container_file_t:s0:c1,c2";
        AssertFails(b, RepoPaths.IsRunc ? null : "selinux mount label is specified in config, but selinux is disabled or not supported");
    }

    // ---- time namespace ---------------------------------------------------------------------------

    [FactUnlessRunc11("runc 1.1 has no time namespace support")]
    public void TimeNamespaceOffsetsAreSeenInside()
    {
        const long day = 86400;
        var b = NewBundle().AddNamespace("time");
        b.Linux["timeOffsets"] = new JsonObject
        {
            ["monotonic"] = new JsonObject { ["secs"] = 10 * day, ["nanosecs"] = 0 },
            ["boottime"] = new JsonObject { ["secs"] = 20 * day, ["nanosecs"] = 0 },
        };
        var hostUptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        var output = RunShell(b, "cat /proc/uptime; cat /proc/self/timens_offsets");
        var lines = output.Trim().Split('\n');
        var inside = double.Parse(lines[0].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        // /proc/uptime is CLOCK_BOOTTIME: shifted by 20 days (give the run a minute)
        Assert.InRange(inside - hostUptime, 20 * day, 20 * day + 60);
        Assert.Matches(@"monotonic\s+864000\s+0", output);
        Assert.Matches(@"boottime\s+1728000\s+0", output);
    }

    [FactUnlessRunc11("runc 1.1 has no time namespace support")]
    public void TimeOffsetsWithoutATimeNamespaceAreRejected()
    {
        var b = NewBundle().RemoveNamespace("time");
        b.Linux["timeOffsets"] = new JsonObject { ["monotonic"] = new JsonObject { ["secs"] = 1 } };
        AssertFails(b, "time namespace offsets specified, but time namespace isn't enabled in the config");
    }

    // ---- default masked and read-only paths of `spec` ---------------------------------------------------

    [Fact]
    public void TheSpecsDefaultMaskedAndReadonlyPathsAreApplied()
    {
        var b = NewBundle();
        var masked = b.Linux["maskedPaths"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        var readonlyPaths = b.Linux["readonlyPaths"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        Assert.Contains("/proc/keys", masked);
        Assert.Contains("/sys/firmware", masked);
        Assert.Contains("/proc/sys", readonlyPaths);
        var output = RunShell(b,
            "cat /proc/self/mountinfo; echo ===; cat /proc/keys /proc/timer_list | wc -c; ls -A /sys/firmware | wc -l;" +
            " (echo 1 > /proc/sys/vm/drop_caches) 2>&1; echo sys=$?");
        var parts = output.Split("===\n");
        var mounts = parts[0].Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .GroupBy(f => f[4]).ToDictionary(g => g.Key, g => g.Last());
        foreach (var p in masked)
        {
            // a path the kernel does not have is skipped, as runc skips it
            if (!File.Exists(p) && !Directory.Exists(p))
            {
                continue;
            }
            Assert.True(mounts.ContainsKey(p), $"masked path {p} has no mount over it\n{parts[0]}");
        }
        foreach (var p in readonlyPaths)
        {
            if (!File.Exists(p) && !Directory.Exists(p))
            {
                continue;
            }
            Assert.True(mounts.TryGetValue(p, out var m), $"read-only path {p} has no mount\n{parts[0]}");
            Assert.Contains("ro", m[5].Split(','));
        }
        var tail = parts[1];
        Assert.StartsWith("0\n0\n", tail); // /proc/keys, timer_list read as /dev/null; /sys/firmware is an empty tmpfs
        Assert.Contains("Read-only file system", tail);
        Assert.Contains("sys=1", tail);
    }
}
