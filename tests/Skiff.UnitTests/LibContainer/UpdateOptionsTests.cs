using Skiff.LibContainer;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.LibContainer;

public class UpdateOptionsTests
{
    private static LinuxResources Saved() => new()
    {
        Memory = new LinuxMemory { Limit = 64 << 20, Swap = 128 << 20 },
        Cpu = new LinuxCpu { Shares = 1024, Quota = 20000, Period = 100000, Cpus = "0-1" },
        Pids = new LinuxPids { Limit = 100 },
    };

    [Fact]
    public void GivenValuesReplaceTheOthersStay()
    {
        var o = new UpdateOptions { Memory = "100m", PidsLimit = 50, CpuQuota = "50000" };
        var r = o.Apply(Saved());
        Assert.Equal(100L << 20, r.Memory!.Limit);
        Assert.Equal(128L << 20, r.Memory.Swap);
        Assert.Equal(50, r.Pids!.Limit);
        Assert.Equal(50000, r.Cpu!.Quota);
        Assert.Equal(100000UL, r.Cpu.Period);
        Assert.Equal(1024UL, r.Cpu.Shares);
        Assert.Equal("0-1", r.Cpu.Cpus);
        Assert.Empty(o.Warnings);
    }

    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("10k", 10L << 10)]
    [InlineData("10KB", 10L << 10)]
    [InlineData("1.5g", 3L << 29)]
    [InlineData("2 MiB", 2L << 20)]
    [InlineData("-1", -1L)]
    public void SizesAsDockerUnits(string text, long bytes) => Assert.Equal(bytes, UpdateOptions.Size(text, "memory"));

    [Theory]
    [InlineData("abc")]
    [InlineData("10x")]
    [InlineData("")]
    public void BadSizesAreRuncsError(string text)
    {
        var ex = Assert.Throws<ContainerException>(() => UpdateOptions.Size(text, "memory"));
        Assert.Equal($"invalid value for memory: invalid size: '{text}'", ex.Message);
    }

    [Fact]
    public void BadNumbersAreRuncsError()
    {
        var ex = Assert.Throws<ContainerException>(() => new UpdateOptions { CpuShares = "x" }.Apply(null));
        Assert.Equal("invalid value for cpu-share: strconv.ParseUint: parsing \"x\": invalid syntax", ex.Message);
        ex = Assert.Throws<ContainerException>(() => new UpdateOptions { CpuQuota = "1.5" }.Apply(null));
        Assert.Equal("invalid value for cpu-quota: strconv.ParseInt: parsing \"1.5\": invalid syntax", ex.Message);
    }

    [Fact]
    public void KernelMemoryIsIgnoredWithAWarning()
    {
        var o = new UpdateOptions { KernelMemory = "10m" };
        var r = o.Apply(Saved());
        Assert.Null(r.Memory!.Kernel);
        Assert.Equal(64L << 20, r.Memory.Limit);
        Assert.Equal(["Kernel memory settings are ignored and will be removed"], o.Warnings);
    }

    [Fact]
    public void UnlimitedMemoryLiftsASavedSwapLimit()
    {
        var r = new UpdateOptions { Memory = "-1" }.Apply(Saved());
        Assert.Equal(-1, r.Memory!.Limit);
        Assert.Equal(-1, r.Memory.Swap);
    }

    [Fact]
    public void AResourcesFileReplacesTheFlags()
    {
        var o = new UpdateOptions
        {
            Memory = "1g",
            FromFile = new LinuxResources { Pids = new LinuxPids { Limit = 7 }, BlockIO = new LinuxBlockIO { Weight = 300 } },
        };
        var r = o.Apply(Saved());
        Assert.Equal(64L << 20, r.Memory!.Limit);
        Assert.Equal(7, r.Pids!.Limit);
        Assert.Equal((ushort)300, r.BlockIO!.Weight);
    }

    [Fact]
    public void ZeroBlkioWeightMeansNotGiven()
    {
        var r = new UpdateOptions { BlkioWeight = 0 }.Apply(Saved());
        Assert.Null(r.BlockIO?.Weight);
    }
}
