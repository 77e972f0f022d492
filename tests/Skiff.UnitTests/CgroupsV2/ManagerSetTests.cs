using Skiff.Cgroups.V2;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.CgroupsV2;

public class ManagerSetTests
{
    private static Manager For(FakeCgroup cg) => new(cg.Dir, cg.Root);

    [Fact]
    public void MemoryLimitReservationAndSwap()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 1 << 20, Reservation = 1 << 19, Swap = 3 << 20 } });
        Assert.Equal("1048576", cg.Read("memory.max"));
        Assert.Equal("524288", cg.Read("memory.low"));
        Assert.Equal("2097152", cg.Read("memory.swap.max"));
    }

    [Fact]
    public void SwapEqualToLimitDisablesSwap()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 4096, Swap = 4096 } });
        Assert.Equal("0", cg.Read("memory.swap.max"));
        Assert.Equal("4096", cg.Read("memory.max"));
    }

    [Fact]
    public void UnlimitedMemoryMeansUnlimitedSwap()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });
        Assert.Equal("max", cg.Read("memory.max"));
        Assert.Equal("max", cg.Read("memory.swap.max"));
        Assert.Equal("", cg.Read("memory.low"));
    }

    [Fact]
    public void UnlimitedMemoryWithASwapLimit()
    {
        // runc 1.2.1 (#4501): memory "max" and a swap limit are both written, the swap value as given
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = -1, Swap = 1 << 20 } });
        Assert.Equal("max", cg.Read("memory.max"));
        Assert.Equal("1048576", cg.Read("memory.swap.max"));
    }

    [Fact]
    public void MissingSwapFileIsFineForMaxOrZeroOnly()
    {
        using var cg = new FakeCgroup();
        cg.Remove("memory.swap.max");
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = -1 } });
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 100, Swap = 100 } });
        var e = Assert.Throws<SyscallException>(() => For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 100, Swap = 200 } }));
        Assert.Equal(Errno.ENOENT, e.Errno);
    }

    [Fact]
    public void SwapBelowLimitIsAnError()
    {
        using var cg = new FakeCgroup();
        var e = Assert.Throws<CgroupV2Exception>(() => For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 2000, Swap = 1000 } }));
        Assert.Equal("memory+swap limit should be >= memory limit", e.Message);
    }

    [Fact]
    public void CheckBeforeUpdateRefusesALimitBelowUsage()
    {
        using var cg = new FakeCgroup();
        cg.Write("memory.current", "5000\n");
        var e = Assert.Throws<CgroupV2Exception>(() =>
            For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 4000, CheckBeforeUpdate = true } }));
        Assert.Equal("rejecting memory limit 4000 below the current usage 5000", e.Message);
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 6000, CheckBeforeUpdate = true } });
        Assert.Equal("6000", cg.Read("memory.max"));
    }

    [Fact]
    public void CpuQuotaPeriodWeightIdle()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Cpu = new LinuxCpu { Quota = 50000, Period = 100000, Shares = 1024, Idle = 1 } });
        Assert.Equal("50000 100000", cg.Read("cpu.max"));
        Assert.Equal("100", cg.Read("cpu.weight")); // runc 1.4: the v1 default 1024 is the v2 default
        Assert.Equal("1", cg.Read("cpu.idle"));
    }

    [Theory]
    [InlineData(-1L, 100000UL, "max 100000")]
    [InlineData(null, 250000UL, "max 250000")]
    [InlineData(20000L, null, "20000")]
    public void CpuMaxForms(long? quota, ulong? period, string expected)
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Cpu = new LinuxCpu { Quota = quota, Period = period } });
        Assert.Equal(expected, cg.Read("cpu.max"));
        Assert.Equal("", cg.Read("cpu.weight"));
    }

    [Fact]
    public void CpuBurstAndCpuset()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Cpu = new LinuxCpu { Burst = 1000, Cpus = "0-1", Mems = "0" } });
        Assert.Equal("1000", cg.Read("cpu.max.burst"));
        Assert.Equal("0-1", cg.Read("cpuset.cpus"));
        Assert.Equal("0", cg.Read("cpuset.mems"));
    }

    [Theory]
    [InlineData(100L, "100")]
    [InlineData(0L, "1")]   // runc 1.4: 0 is a real limit, written as 1 as systemd's TasksMax
    [InlineData(-1L, "max")]
    public void PidsMax(long limit, string expected)
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Pids = new LinuxPids { Limit = limit } });
        Assert.Equal(expected, cg.Read("pids.max"));
    }

    [Fact]
    public void IoWeightIsConvertedWithoutBfq()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { BlockIO = new LinuxBlockIO { Weight = 500 } });
        Assert.Equal("4950", cg.Read("io.weight"));
    }

    [Fact]
    public void BfqWeightIsWrittenAsIs()
    {
        using var cg = new FakeCgroup();
        cg.Write("io.bfq.weight", "default 100\n");
        For(cg).Set(new LinuxResources { BlockIO = new LinuxBlockIO { Weight = 500 } });
        Assert.Equal("500", cg.Read("io.bfq.weight"));
        Assert.Equal("", cg.Read("io.weight"));
    }

    [Theory]
    [InlineData("rbps", "8:0 rbps=1048576")]
    [InlineData("wbps", "8:0 wbps=1048576")]
    [InlineData("riops", "8:0 riops=1048576")]
    [InlineData("wiops", "8:0 wiops=1048576")]
    public void IoMaxLines(string key, string expected)
    {
        using var cg = new FakeCgroup();
        var td = new List<LinuxThrottleDevice> { new() { Major = 8, Minor = 0, Rate = 1 << 20 } };
        var b = new LinuxBlockIO();
        switch (key)
        {
            case "rbps": b.ThrottleReadBpsDevice = td; break;
            case "wbps": b.ThrottleWriteBpsDevice = td; break;
            case "riops": b.ThrottleReadIopsDevice = td; break;
            default: b.ThrottleWriteIopsDevice = td; break;
        }
        For(cg).Set(new LinuxResources { BlockIO = b });
        Assert.Equal(expected, cg.Read("io.max"));
    }

    [Fact]
    public void HugetlbWritesMaxAndRsvdMax()
    {
        using var cg = new FakeCgroup();
        cg.Remove("hugetlb.1GB.max");
        File.WriteAllText(Path.Combine(cg.Dir, "hugetlb.1GB.max"), "");
        For(cg).Set(new LinuxResources { HugepageLimits = [new() { PageSize = "2MB", Limit = 4194304 }, new() { PageSize = "1GB", Limit = 0 }] });
        Assert.Equal("4194304", cg.Read("hugetlb.2MB.max"));
        Assert.Equal("4194304", cg.Read("hugetlb.2MB.rsvd.max"));
        Assert.Equal("0", cg.Read("hugetlb.1GB.max"));
        Assert.False(cg.Has("hugetlb.1GB.rsvd.max"));
    }

    [Fact]
    public void RdmaMax()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources { Rdma = new() { ["mlx5_1"] = new LinuxRdma { HcaHandles = 3, HcaObjects = 10000 } } });
        Assert.Equal("mlx5_1 hca_handle=3 hca_object=10000", cg.Read("rdma.max"));
    }

    [Fact]
    public void UnifiedIsWrittenLastAndWins()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(new LinuxResources
        {
            Pids = new LinuxPids { Limit = 10 },
            Unified = new() { ["pids.max"] = "42", ["memory.high"] = "1000000" },
        });
        Assert.Equal("42", cg.Read("pids.max"));
        Assert.Equal("1000000", cg.Read("memory.high"));
    }

    [Theory]
    [InlineData("../memory.max", "unified resource \"../memory.max\" must be a file name (no slashes)")]
    [InlineData("..", "unified resource \"..\" is not a valid file name")]
    public void UnifiedRejectsPaths(string key, string message)
    {
        using var cg = new FakeCgroup();
        var e = Assert.Throws<CgroupV2Exception>(() => For(cg).Set(new LinuxResources { Unified = new() { [key] = "1" } }));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void UnifiedOnAMissingControllerNamesIt()
    {
        using var cg = new FakeCgroup(controllers: "cpu memory");
        var e = Assert.Throws<CgroupV2Exception>(() => For(cg).Set(new LinuxResources { Unified = new() { ["misc.max"] = "x 1" } }));
        Assert.Equal("unified resource \"misc.max\" can't be set: controller \"misc\" not available", e.Message);
        var e2 = Assert.Throws<CgroupV2Exception>(() => For(cg).Set(new LinuxResources { Unified = new() { ["nodot"] = "1" } }));
        Assert.Equal("unified resource \"nodot\" must be in the form CONTROLLER.PARAMETER", e2.Message);
    }

    [Fact]
    public void AMissingControllerIsNamed()
    {
        using var cg = new FakeCgroup(controllers: "cpu pids");
        var e = Assert.Throws<CgroupV2Exception>(() => For(cg).Set(new LinuxResources { Memory = new LinuxMemory { Limit = 100 } }));
        Assert.Contains("controller \"memory\" is not available in " + cg.Dir, e.Message);
        var e2 = Assert.Throws<CgroupV2Exception>(() => For(cg).Set(new LinuxResources { HugepageLimits = [new() { PageSize = "2MB", Limit = 1 }] }));
        Assert.Contains("controller \"hugetlb\"", e2.Message);
    }

    [Fact]
    public void AMissingFileWithoutControllersListIsNamedToo()
    {
        using var cg = new FakeCgroup(files: ["cgroup.procs"]);
        File.Delete(Path.Combine(cg.Dir, "cgroup.controllers"));
        var e = Assert.Throws<CgroupV2Exception>(() => For(cg).Set(new LinuxResources { Pids = new LinuxPids { Limit = 5 } }));
        Assert.Contains("controller \"pids\" is not available", e.Message);
        Assert.Equal(Errno.ENOENT, Assert.IsType<SyscallException>(e.InnerException).Errno);
    }

    [Fact]
    public void NullAndEmptyResourcesWriteNothing()
    {
        using var cg = new FakeCgroup();
        For(cg).Set(null);
        For(cg).Set(new LinuxResources { Memory = new LinuxMemory(), Cpu = new LinuxCpu(), BlockIO = new LinuxBlockIO() });
        foreach (string f in FakeCgroup.AllFiles) Assert.Equal("", cg.Read(f));
    }
}
