using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// cgroup v1 resources, read from the host's cgroup files while the container runs (runc's
/// cgroups.bats / update.bats). The machine is v1 hybrid: controllers under /sys/fs/cgroup/&lt;ctrl&gt;, an
/// empty cgroup2 at /sys/fs/cgroup/unified; the tests' own memory cgroup is nested (process_api/…).
/// </summary>
public sealed class CgroupV1Tests : ContainerTest
{
    private (string Id, Bundle Bundle, int Pid) Started(Bundle b)
    {
        var id = NewId();
        Rt.CreateAndStart(id, b);
        return (id, b, Rt.State(id)["pid"]!.GetValue<int>());
    }

    private static string Read(int pid, string controller, string file) =>
        File.ReadAllText(Path.Combine(HostProc.CgroupDir(pid, controller)!, file)).Trim();

    [Fact]
    public void TheContainerGetsItsOwnCgroupInEveryHierarchy()
    {
        var (id, b, pid) = Started(NewBundle("sleep", "100"));
        var dirs = new List<string>();
        foreach (var ctrl in new[] { "memory", "pids", "cpu", "cpuacct", "cpuset", "devices", "freezer", "blkio" })
        {
            var dir = HostProc.CgroupDir(pid, ctrl);
            Assert.NotNull(dir);
            Assert.Contains(id, dir);
            Assert.Contains(pid.ToString(), File.ReadAllLines(Path.Combine(dir, "cgroup.procs")));
            dirs.Add(dir);
        }
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.All(dirs, d => Assert.False(Directory.Exists(d), d));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TheMemoryLimitIsSet()
    {
        var (id, b, pid) = Started(NewBundle("sleep", "100").Memory(64L << 20));
        Assert.Equal((64L << 20).ToString(), Read(pid, "memory", "memory.limit_in_bytes"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ThePidsLimitIsSet()
    {
        var (id, b, pid) = Started(NewBundle("sleep", "100").Pids(42));
        Assert.Equal("42", Read(pid, "pids", "pids.max"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ThePidsLimitIsEnforced()
    {
        var b = NewBundle().Pids(3).Shell("for i in 1 2 3 4 5; do sleep 1 & done; wait");
        var id = NewId();
        var r = Rt.Run(id, b);
        Assert.Contains("can't fork", r.Stdout + r.Stderr);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void CpuSharesAndQuotaAreSet()
    {
        var (id, b, pid) = Started(NewBundle("sleep", "100").CpuShares(512).CpuQuota(50000, 100000));
        Assert.Equal("512", Read(pid, "cpu", "cpu.shares"));
        Assert.Equal("50000", Read(pid, "cpu", "cpu.cfs_quota_us"));
        Assert.Equal("100000", Read(pid, "cpu", "cpu.cfs_period_us"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AnAbsoluteCgroupsPathIsUsed()
    {
        var id = NewId();
        var b = NewBundle("sleep", "100").CgroupsPath("/skiff-it-" + id);
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal("/sys/fs/cgroup/pids/skiff-it-" + id, HostProc.CgroupDir(pid, "pids"));
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(Directory.Exists("/sys/fs/cgroup/pids/skiff-it-" + id));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TheCgroupsAreRemovedWhenRunReturns()
    {
        var b = NewBundle("cat", "/proc/self/cgroup").Memory(64L << 20).Pids(10);
        var id = NewId();
        var r = Rt.Run(id, b).AssertSuccess();
        Assert.Contains(r.Stdout.Split('\n'), l => l.Contains(":pids:", StringComparison.Ordinal) && l.EndsWith("/" + id, StringComparison.Ordinal));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AMemoryLimitBelowTheInitsUsageFailsCleanly()
    {
        // One page: below what init has charged by procHooks whatever the timing. skiff moves init into its cgroup
        // while init's .NET runtime starts, so how much of that start is charged there varies (runc's init is
        // charged in full); the kernel objects of the mounts init makes afterwards are charged there in any case.
        var b = NewBundle("true").Memory(4096);
        var id = NewId();
        Rt.Run(id, b).AssertFailure("unable to set memory limit to 4096");
        AssertNothingLeaked(id, b);
    }
}
