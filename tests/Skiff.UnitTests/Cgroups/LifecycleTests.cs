using Skiff.Cgroups;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Cgroups;

public class LifecycleTests
{
    [Fact]
    public void Destroy_RemovesEveryDir_SubCgroupsToo_AndIsIdempotent()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", "/x/c1", false, false, h.Roots);
        m.Apply(7);
        Directory.CreateDirectory(Path.Join(m.Paths["devices"], "sub/deeper"));
        File.WriteAllText(Path.Join(m.Paths["devices"], "sub/cgroup.procs"), "9\n");
        Assert.Equal(new[] { 7, 9 }, m.GetAllPids().Order());
        m.Destroy();
        foreach (string dir in m.Paths.Values) Assert.False(Directory.Exists(dir), dir);
        Assert.True(Directory.Exists(h.Dir("pids/x"))); // only the container's own dir goes
        Assert.False(m.Exists());
        m.Destroy();
        Assert.Empty(m.GetPids());
    }

    [Fact]
    public void Prepare_MakesTheDirsOnly_ApplyThenJoins()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", "/x/c1", false, false, h.Roots);
        Assert.All(m.Paths.Values, dir => Assert.False(Directory.Exists(dir), dir));
        m.Prepare();
        foreach (string dir in m.Paths.Values)
        {
            Assert.True(Directory.Exists(dir), dir);
            Assert.False(File.Exists(Path.Join(dir, "cgroup.procs")), dir); // no pid written
        }
        Assert.DoesNotContain(FakeHierarchy.Log(m), w => w.Path.EndsWith("cgroup.procs", StringComparison.Ordinal));
        m.Apply(7);
        Assert.Equal(new[] { 7 }, m.GetPids());
        Assert.Equal("7", File.ReadAllText(Path.Join(m.Paths["memory"], "cgroup.procs")));
        m.Destroy();
        Assert.False(m.Exists());
    }

    [Fact]
    public void Prepare_FailsQuietly_ApplyReports()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", "/x/c1", false, false, h.Roots);
        // a file where the container's memory parent directory must go: mkdir fails (ENOTDIR)
        File.WriteAllText(h.Dir("memory/x"), "");
        m.Prepare(); // says nothing
        var e = Assert.ThrowsAny<Exception>(() => m.Apply(7));
        Assert.Contains("memory/x/c1", e.Message);
        Assert.True(Directory.Exists(m.Paths["cpuset"])); // what came before the failure was made
    }

    [Fact]
    public void Load_RoundTrip_JoinsExistingDirsOnly()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        m.Apply(100);
        var saved = m.Paths.ToDictionary(kv => kv.Key, kv => kv.Value);

        ICgroupManager loaded = CgroupManagerFactory.Load(saved, h.Roots);
        Assert.Equal(saved.OrderBy(kv => kv.Key), loaded.Paths.OrderBy(kv => kv.Key));
        Assert.True(loaded.Exists());
        Assert.Equal(new[] { 100 }, loaded.GetPids());
        Directory.Delete(saved["name=systemd"], recursive: true);
        loaded.Apply(200); // exec: join, never create
        Assert.Equal("200", File.ReadAllText(Path.Join(saved["memory"], "cgroup.procs")));
        Assert.False(Directory.Exists(saved["name=systemd"]));
        loaded.Set(new LinuxResources { Pids = new LinuxPids { Limit = 5 } });
        Assert.Equal("5", File.ReadAllText(Path.Join(saved["pids"], "pids.max")));
        loaded.Destroy();
        Assert.False(m.Exists());
    }

    [Theory]
    [InlineData("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", 3UL)]
    [InlineData("oom_kill_disable 0\nunder_oom 0\n", 0UL)]
    public void OomKillCount_Parsing(string content, ulong expected)
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        Assert.Equal(0UL, m.OomKillCount()); // no dir yet
        m.Apply(1);
        File.WriteAllText(Path.Join(m.Paths["memory"], "memory.oom_control"), content);
        Assert.Equal(expected, m.OomKillCount());
        Assert.Equal(0UL, CgroupManagerFactory.Load(new Dictionary<string, string>()).OomKillCount());
    }

    [Fact]
    public void Freezer_FreezeThaw()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        m.Apply(1);
        File.WriteAllText(Path.Join(m.Paths["freezer"], "freezer.state"), "THAWED\n");
        Assert.False(m.IsFrozen());
        m.Freeze();
        Assert.True(m.IsFrozen());
        File.WriteAllText(Path.Join(m.Paths["freezer"], "freezer.self_freezing"), "0\n");
        Assert.False(m.IsFrozen()); // frozen only through an ancestor
        m.Thaw();
        Assert.Equal("THAWED", File.ReadAllText(Path.Join(m.Paths["freezer"], "freezer.state")));
        Assert.False(m.IsFrozen());

        var none = CgroupManagerFactory.Load(new Dictionary<string, string>());
        Assert.Equal("cannot toggle freezer: cgroups not configured for container",
            Assert.Throws<CgroupException>(none.Freeze).Message);
    }

    [Fact]
    public void Stats_ReadFromFiles()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        m.Apply(1);
        void W(string key, string file, string text) => File.WriteAllText(Path.Join(m.Paths[key], file), text);
        W("cpuacct", "cpuacct.usage", "123456\n");
        W("cpuacct", "cpuacct.usage_percpu", "100000 23456 \n");
        W("cpuacct", "cpuacct.stat", "user 5\nsystem 2\n");
        W("cpuacct", "cpuacct.usage_all", "cpu user system\n0 90000 10000\n1 20000 3456\n");
        W("cpu", "cpu.stat", "nr_periods 10\nnr_throttled 2\nthrottled_time 999\n");
        W("memory", "memory.stat", "cache 4096\nrss 8192\n");
        W("memory", "memory.usage_in_bytes", "12288\n");
        W("memory", "memory.max_usage_in_bytes", "20000\n");
        W("memory", "memory.limit_in_bytes", "9223372036854771712\n");
        W("memory", "memory.failcnt", "1\n");
        W("memory", "memory.use_hierarchy", "1\n");
        W("pids", "pids.current", "3\n");
        W("pids", "pids.max", "max\n");
        W("blkio", "blkio.throttle.io_service_bytes_recursive", "8:0 Read 4096\n8:0 Write 512\nTotal 4608\n");

        CgroupStats s = m.GetStats();
        Assert.Equal(123456UL, s.Cpu.TotalUsage);
        Assert.Equal(new ulong[] { 100000, 23456 }, s.Cpu.PercpuUsage);
        Assert.Equal(50_000_000UL, s.Cpu.UsageInUsermode);
        Assert.Equal(20_000_000UL, s.Cpu.UsageInKernelmode);
        Assert.Equal(new ulong[] { 90000, 20000 }, s.Cpu.PercpuUsageInUsermode);
        Assert.Equal(2UL, s.Cpu.ThrottledPeriods);
        Assert.Equal(4096UL, s.Memory.Cache);
        Assert.Equal(12288UL, s.Memory.Usage.Usage);
        Assert.Equal(20000UL, s.Memory.Usage.MaxUsage);
        Assert.Equal(9223372036854771712UL, s.Memory.Usage.Limit);
        Assert.True(s.Memory.UseHierarchy);
        Assert.Equal(0UL, s.Memory.SwapUsage.Usage);
        Assert.Equal(3UL, s.Pids.Current);
        Assert.Equal(0UL, s.Pids.Limit);
        Assert.Equal(new[] { new BlkioStatEntry(8, 0, "Read", 4096), new BlkioStatEntry(8, 0, "Write", 512) },
            s.Blkio.IoServiceBytesRecursive);
    }
}
