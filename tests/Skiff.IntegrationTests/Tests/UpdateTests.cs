using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`update` (runc's update.bats): new limits land in the cgroup files, seen inside and outside.</summary>
public sealed class UpdateTests : ContainerTest
{
    private (string Id, Bundle Bundle, int Pid) Start()
    {
        var b = NewBundle("sleep", "1000").Memory(64 * 1024 * 1024).Pids(100);
        var id = NewId();
        Rt.CreateAndStart(id, b);
        return (id, b, Rt.State(id)["pid"]!.GetValue<int>());
    }

    private static string Host(int pid, string controller, string file) =>
        File.ReadAllText(Path.Combine(HostProc.CgroupDir(pid, controller)!, file)).Trim();

    [Fact]
    public void MemoryAndPidsLimitsChangeInsideAndOutside()
    {
        var (id, b, pid) = Start();
        Assert.Equal("67108864", Host(pid, "memory", "memory.limit_in_bytes"));
        Rt.Exec("update", "--memory", "100m", "--pids-limit", "50", id).AssertSuccess();
        Assert.Equal("104857600", Host(pid, "memory", "memory.limit_in_bytes"));
        Assert.Equal("50", Host(pid, "pids", "pids.max"));
        Assert.Equal("104857600", Rt.Exec("exec", id, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes").AssertSuccess().Stdout.Trim());
        Assert.Equal("50", Rt.Exec("exec", id, "cat", "/sys/fs/cgroup/pids/pids.max").AssertSuccess().Stdout.Trim());

        // the saved state keeps the new values: a later update of one knob leaves the others
        Rt.Exec("update", "--pids-limit", "60", id).AssertSuccess();
        Assert.Equal("104857600", Host(pid, "memory", "memory.limit_in_bytes"));
        Assert.Equal("60", Host(pid, "pids", "pids.max"));
        var stats = JsonNode.Parse(Rt.Exec("events", "--stats", id).AssertSuccess().Stdout)!["data"]!;
        Assert.Equal(104857600UL, stats["memory"]!["usage"]!["limit"]!.GetValue<ulong>());
        Assert.Equal(60UL, stats["pids"]!["limit"]!.GetValue<ulong>());
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void CpuKnobsAndReservation()
    {
        var (id, b, pid) = Start();
        Rt.Exec("update", "--cpu-share", "512", "--cpu-period", "100000", "--cpu-quota", "50000",
            "--memory-reservation", "32m", "--cpuset-cpus", "0", id).AssertSuccess();
        Assert.Equal("512", Host(pid, "cpu", "cpu.shares"));
        Assert.Equal("100000", Host(pid, "cpu", "cpu.cfs_period_us"));
        Assert.Equal("50000", Host(pid, "cpu", "cpu.cfs_quota_us"));
        Assert.Equal("33554432", Host(pid, "memory", "memory.soft_limit_in_bytes"));
        Assert.Equal("0", Host(pid, "cpuset", "cpuset.cpus"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 has no --cpu-idle")]
    public void CpuIdleNeverMakesALaterUpdateWriteSharesIntoAnIdleGroup()
    {
        var (id, b, pid) = Start();
        Rt.Exec("update", "--cpu-share", "512", id).AssertSuccess();
        Assert.Equal("512", Host(pid, "cpu", "cpu.shares"));
        Rt.Exec("update", "--cpu-idle", "1", id).AssertSuccess();
        Assert.Equal("1", Host(pid, "cpu", "cpu.idle"));
        Assert.NotEqual("512", Host(pid, "cpu", "cpu.shares")); // control: the kernel dropped the group's shares
        // every later update re-applies the stored resources (shares 512 among them): none may write shares now
        Rt.Exec("update", "--pids-limit", "50", id).AssertSuccess();
        Assert.Equal("50", Host(pid, "pids", "pids.max"));
        Assert.Equal("1", Host(pid, "cpu", "cpu.idle"));
        // idle 0 goes in first, then the stored shares are written again
        Rt.Exec("update", "--cpu-idle", "0", id).AssertSuccess();
        Assert.Equal("0", Host(pid, "cpu", "cpu.idle"));
        Assert.Equal("512", Host(pid, "cpu", "cpu.shares"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void UpdatesNeverDenyAnAllowedDeviceOnTheWay()
    {
        // the container opens /dev/null and /dev/zero without pause while updates re-apply its device rules: a
        // transition through "deny all, then allow again" would make an open fail (EPERM) in between
        var b = NewBundle("sh", "-c", "while :; do cat /dev/null && head -c1 /dev/zero >/dev/null || echo denied >> /dev/shm/denied; done");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        int pid = Rt.State(id)["pid"]!.GetValue<int>();
        string before = Host(pid, "devices", "devices.list");
        for (int i = 0; i < 30; i++)
            Rt.Exec("update", "--pids-limit", (100 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), id).AssertSuccess();
        Assert.Equal(before, Host(pid, "devices", "devices.list"));
        Assert.Equal("", Rt.Exec("exec", id, "sh", "-c", "cat /dev/shm/denied 2>/dev/null; true").AssertSuccess().Stdout.Trim());
        // control: the loop runs and reports a denial: deny /dev/null in the container's own devices cgroup
        File.WriteAllText(Path.Combine(HostProc.CgroupDir(pid, "devices")!, "devices.deny"), "c 1:3 rwm");
        string seen = "";
        for (int i = 0; i < 100 && seen.Length == 0; i++)
        {
            Thread.Sleep(50);
            seen = File.Exists($"/proc/{pid}/root/dev/shm/denied") ? File.ReadAllText($"/proc/{pid}/root/dev/shm/denied") : "";
        }
        Assert.Contains("denied", seen);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ResourcesFromAFileOrStdin()
    {
        var (id, b, pid) = Start();
        var file = Path.Combine(b.Dir, "resources.json");
        File.WriteAllText(file, """{"memory":{"limit":83886080},"pids":{"limit":70}}""");
        Rt.Exec("update", "-r", file, id).AssertSuccess();
        Assert.Equal("83886080", Host(pid, "memory", "memory.limit_in_bytes"));
        Assert.Equal("70", Host(pid, "pids", "pids.max"));
        Rt.Exec(["update", "-r", "-", id], stdin: """{"pids":{"limit":80}}""").AssertSuccess();
        Assert.Equal("80", Host(pid, "pids", "pids.max"));
        Assert.Equal("83886080", Host(pid, "memory", "memory.limit_in_bytes"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void BadValuesAndKernelMemory()
    {
        var (id, b, pid) = Start();
        Rt.Exec("update", "--memory", "abc", id).AssertFailure("invalid value for memory: invalid size: 'abc'");
        Rt.Exec("update", "--cpu-share", "x", id).AssertFailure("invalid value for cpu-share");
        Rt.Exec("update", "--pids-limit", "10", "nosuch-container").AssertFailure("container does not exist");
        // kernel memory is obsolete: ignored with a warning, as runc does
        var km = Rt.Exec("update", "--kernel-memory", "10m", id).AssertSuccess();
        Assert.Contains("Kernel memory settings are ignored", km.Stderr);
        Assert.Equal("67108864", Host(pid, "memory", "memory.limit_in_bytes"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
