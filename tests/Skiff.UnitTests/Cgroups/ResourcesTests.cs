using Skiff.Cgroups;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Cgroups;

public class ResourcesTests
{
    private static ICgroupManager Applied(FakeHierarchy h, LinuxResources? initial = null, string id = "c1")
    {
        ICgroupManager m = CgroupManagerFactory.Create(id, null, false, false, h.Roots, initial);
        m.Apply(4242);
        return m;
    }

    [Fact]
    public void Apply_CreatesEveryDirAndAddsPid()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        foreach (string dir in m.Paths.Values)
            Assert.Equal("4242", File.ReadAllText(Path.Join(dir, "cgroup.procs")));
        Assert.True(Directory.Exists(h.Dir("unified/c1")));
        Assert.True(m.Exists());
        Assert.Equal(new[] { 4242 }, m.GetPids());
    }

    [Fact]
    public void Apply_NoPid_OnlyCreatesDirs()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        m.Apply(-1);
        Assert.True(Directory.Exists(m.Paths["memory"]));
        Assert.False(File.Exists(Path.Join(m.Paths["memory"], "cgroup.procs")));
    }

    [Fact]
    public void Cpuset_NewDirInheritsParentCpusAndMems_ThenRequestedValues()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", "/a/b", false, false, h.Roots);
        m.Apply(1);
        Assert.Equal("0-1\n", h.Read("cpuset/a/cpuset.cpus"));
        Assert.Equal("0-1\n", h.Read("cpuset/a/b/cpuset.cpus"));
        Assert.Equal("0\n", h.Read("cpuset/a/b/cpuset.mems"));

        using var h2 = new FakeHierarchy();
        var r = new LinuxResources { Cpu = new LinuxCpu { Cpus = "1", Mems = "0" } };
        m = CgroupManagerFactory.Create("c1", null, false, false, h2.Roots, r);
        m.Apply(1);
        Assert.Equal("1", h2.Read("cpuset/c1/cpuset.cpus"));
        Assert.Equal("0", h2.Read("cpuset/c1/cpuset.mems"));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1-")]
    [InlineData("3-1")]
    [InlineData("0,,1")]
    public void Cpuset_InvalidList_IsAClearError(string cpus)
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        var ex = Assert.Throws<CgroupException>(() => m.Set(new LinuxResources { Cpu = new LinuxCpu { Cpus = cpus } }));
        Assert.Contains($"invalid cpuset.cpus value \"{cpus}\"", ex.Message);
    }

    [Theory]
    [InlineData("0-3,5")]
    [InlineData("0-10:2/4")]
    [InlineData(" 1 ")]
    public void Cpuset_ValidLists(string cpus)
    {
        using var h = new FakeHierarchy();
        Applied(h).Set(new LinuxResources { Cpu = new LinuxCpu { Cpus = cpus } });
        Assert.Equal(cpus, h.Read("cpuset/c1/cpuset.cpus"));
    }

    [Fact]
    public void Memory_AllFiles()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        File.WriteAllText(h.Dir("memory/process_api/abc/c1/memory.limit_in_bytes"), "9223372036854771712\n");
        m.Set(new LinuxResources
        {
            Memory = new LinuxMemory
            {
                Limit = 64 << 20, Swap = 128 << 20, Reservation = 32 << 20, KernelTcp = 1 << 20, Kernel = 1 << 20,
                Swappiness = 10, DisableOomKiller = true,
            },
        });
        string d = "memory/process_api/abc/c1/";
        Assert.Equal((64 << 20).ToString(), h.Read(d + "memory.limit_in_bytes"));
        Assert.Equal((128 << 20).ToString(), h.Read(d + "memory.memsw.limit_in_bytes"));
        Assert.Equal((32 << 20).ToString(), h.Read(d + "memory.soft_limit_in_bytes"));
        Assert.Equal("10", h.Read(d + "memory.swappiness"));
        Assert.Equal("1", h.Read(d + "memory.oom_control"));
        // Kernel memory limits are ignored (runc 1.2).
        Assert.False(File.Exists(h.Dir(d + "memory.kmem.tcp.limit_in_bytes")));
        Assert.False(File.Exists(h.Dir(d + "memory.kmem.limit_in_bytes")));
    }

    [Fact]
    public void Memory_SwapOrdering_AsRunc()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        string d = h.Dir("memory/process_api/abc/c1/");
        // Current limit above the new swap: memory first, then memsw.
        File.WriteAllText(d + "memory.limit_in_bytes", "9223372036854771712\n");
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources { Memory = new LinuxMemory { Limit = 100, Swap = 200 } });
        Assert.Equal(new[] { "memory.limit_in_bytes", "memory.memsw.limit_in_bytes" },
            FakeHierarchy.Log(m).Select(w => Path.GetFileName(w.Path)));

        // Raising: current limit below the new swap, so memsw goes first.
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources { Memory = new LinuxMemory { Limit = 300, Swap = 400 } });
        Assert.Equal(new[] { "memory.memsw.limit_in_bytes", "memory.limit_in_bytes" },
            FakeHierarchy.Log(m).Select(w => Path.GetFileName(w.Path)));

        // Unlimited memory with swap unset makes swap unlimited too (when memsw exists).
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });
        Assert.Equal(new[] { ("memory.memsw.limit_in_bytes", "-1"), ("memory.limit_in_bytes", "-1") },
            FakeHierarchy.Log(m).Select(w => (Path.GetFileName(w.Path), w.Data)));
    }

    [Fact]
    public void Memory_SwappinessAbove100_IsRejected()
    {
        using var h = new FakeHierarchy();
        var ex = Assert.Throws<CgroupException>(() =>
            Applied(h).Set(new LinuxResources { Memory = new LinuxMemory { Swappiness = 101 } }));
        Assert.Equal("invalid value:101. valid memory swappiness range is 0-100", ex.Message);
    }

    [Fact]
    public void Cpu_IdleGroupGetsNoShares()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources { Cpu = new LinuxCpu { Shares = 512, Idle = 1 } });
        Assert.Equal(new[] { ("cpu.idle", "1") }, FakeHierarchy.Log(m).Select(w => (Path.GetFileName(w.Path), w.Data)));
    }

    [Fact]
    public void Cpu_AllFiles_QuotaBeforeRetriedPeriod()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources
        {
            Cpu = new LinuxCpu
            {
                Shares = 512, Quota = 50000, Period = 100000, Burst = 1000, RealtimePeriod = 1000000,
                RealtimeRuntime = 950000, Idle = 0,
            },
        });
        Assert.Equal(new[]
            {
                ("cpu.idle", "0"), ("cpu.shares", "512"), ("cpu.cfs_period_us", "100000"), ("cpu.cfs_burst_us", "1000"),
                ("cpu.cfs_quota_us", "50000"), ("cpu.rt_period_us", "1000000"),
                ("cpu.rt_runtime_us", "950000"),
            },
            FakeHierarchy.Log(m).Select(w => (Path.GetFileName(w.Path), w.Data)));
        Assert.Equal("50000", h.Read("cpu,cpuacct/c1/cpu.cfs_quota_us"));
    }

    [Theory]
    [InlineData(100L, "100")]
    [InlineData(-1L, "max")]
    [InlineData(-5L, "max")]
    public void Pids_Limit(long limit, string expected)
    {
        using var h = new FakeHierarchy();
        Applied(h).Set(new LinuxResources { Pids = new LinuxPids { Limit = limit } });
        Assert.Equal(expected, h.Read("pids/c1/pids.max"));
    }

    [Fact]
    public void Pids_Zero_IsARealLimit()
    {
        using var h = new FakeHierarchy();
        Applied(h).Set(new LinuxResources { Pids = new LinuxPids { Limit = 0 } });
        Assert.Equal("1", h.Read("pids/c1/pids.max"));
    }

    [Fact]
    public void Pids_Absent_LeavesItAlone()
    {
        using var h = new FakeHierarchy();
        Applied(h).Set(new LinuxResources { Pids = new LinuxPids() });
        Assert.False(File.Exists(h.Dir("pids/c1/pids.max")));
    }

    [Fact]
    public void Blkio_WeightsAndThrottles()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources
        {
            BlockIO = new LinuxBlockIO
            {
                Weight = 500, LeafWeight = 300,
                WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 200, LeafWeight = 100 }],
                ThrottleReadBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 1048576 }],
                ThrottleWriteBpsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 16, Rate = 2097152 }],
                ThrottleReadIopsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 100 }],
                ThrottleWriteIopsDevice = [new LinuxThrottleDevice { Major = 8, Minor = 0, Rate = 50 }],
            },
        });
        Assert.Equal(new[]
            {
                ("blkio.weight", "500"), ("blkio.leaf_weight", "300"), ("blkio.weight_device", "8:0 200"),
                ("blkio.leaf_weight_device", "8:0 100"), ("blkio.throttle.read_bps_device", "8:0 1048576"),
                ("blkio.throttle.write_bps_device", "8:16 2097152"), ("blkio.throttle.read_iops_device", "8:0 100"),
                ("blkio.throttle.write_iops_device", "8:0 50"),
            },
            FakeHierarchy.Log(m).Select(w => (Path.GetFileName(w.Path), w.Data)));
    }

    [Fact]
    public void Blkio_BfqFallback()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        File.WriteAllText(h.Dir("blkio/c1/blkio.bfq.weight"), "100\n");
        m.Set(new LinuxResources
        {
            BlockIO = new LinuxBlockIO
            {
                Weight = 500, WeightDevice = [new LinuxWeightDevice { Major = 8, Minor = 0, Weight = 200 }],
            },
        });
        Assert.Equal("500", h.Read("blkio/c1/blkio.bfq.weight"));
        Assert.Equal("8:0 200", h.Read("blkio/c1/blkio.bfq.weight_device"));
        Assert.False(File.Exists(h.Dir("blkio/c1/blkio.weight")));
    }

    [Fact]
    public void UnmountedControllers_AreSkipped_ButAskingForThemFails()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        m.Set(new LinuxResources()); // nothing asked: fine
        var ex = Assert.Throws<CgroupException>(() => m.Set(new LinuxResources
        {
            HugepageLimits = [new LinuxHugepageLimit { PageSize = "2MB", Limit = 2097152 }],
        }));
        Assert.Equal("cannot set hugetlb limit: container could not join or create cgroup", ex.Message);
        ex = Assert.Throws<CgroupException>(() => m.Set(new LinuxResources { Network = new LinuxNetwork { ClassId = 0x100001 } }));
        Assert.Equal("cannot set net_cls limit: container could not join or create cgroup", ex.Message);
        ex = Assert.Throws<CgroupException>(() => m.Set(new LinuxResources
        {
            Network = new LinuxNetwork { Priorities = [new LinuxInterfacePriority { Name = "eth0", Priority = 5 }] },
        }));
        Assert.Equal("cannot set net_prio limit: container could not join or create cgroup", ex.Message);
    }

    [Fact]
    public void HugetlbAndNet_WhenMounted()
    {
        using var h = new FakeHierarchy(withHugetlbAndNet: true);
        ICgroupManager m = Applied(h);
        Assert.Equal(m.Paths["net_cls"], m.Paths["net_prio"]);
        m.Set(new LinuxResources
        {
            HugepageLimits = [new LinuxHugepageLimit { PageSize = "2MB", Limit = 4194304 }, new LinuxHugepageLimit { PageSize = "1GB", Limit = 0 }],
            Network = new LinuxNetwork { ClassId = 0x100001, Priorities = [new LinuxInterfacePriority { Name = "eth0", Priority = 5 }] },
        });
        Assert.Equal("4194304", h.Read("hugetlb/c1/hugetlb.2MB.limit_in_bytes"));
        Assert.Equal("0", h.Read("hugetlb/c1/hugetlb.1GB.limit_in_bytes"));
        Assert.Equal("1048577", h.Read("net_cls,net_prio/c1/net_cls.classid"));
        Assert.Equal("eth0 5", h.Read("net_cls,net_prio/c1/net_prio.ifpriomap"));
    }

    [Fact]
    public void Unified_IsRejectedOnV1()
    {
        using var h = new FakeHierarchy();
        var ex = Assert.Throws<CgroupException>(() =>
            Applied(h).Set(new LinuxResources { Unified = new() { ["memory.max"] = "1" } }));
        Assert.Equal("invalid configuration: cannot use unified on cgroup v1", ex.Message);
    }

    [Fact]
    public void Null_SetsNothing()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = Applied(h);
        FakeHierarchy.Log(m).Clear();
        m.Set(null);
        Assert.Empty(FakeHierarchy.Log(m));
    }
}
