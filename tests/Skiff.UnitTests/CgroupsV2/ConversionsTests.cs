using Skiff.Cgroups.V2;
using Xunit;

namespace Skiff.UnitTests.CgroupsV2;

public class ConversionsTests
{
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(2UL, 1UL)]
    [InlineData(1024UL, 39UL)]       // 1 + 1022*9999/262142 = 1 + 38
    [InlineData(262144UL, 10000UL)]
    [InlineData(512UL, 20UL)]
    public void CpuSharesToWeight(ulong shares, ulong weight) =>
        Assert.Equal(weight, Conversions.CpuSharesToWeight(shares));

    [Theory]
    [InlineData(0, 0UL)]
    [InlineData(10, 1UL)]
    [InlineData(500, 4950UL)]        // 1 + 490*9999/990 = 1 + 4949
    [InlineData(1000, 10000UL)]
    public void BlkioWeightToIoWeight(ushort w, ulong io) =>
        Assert.Equal(io, Conversions.BlkioWeightToIoWeight(w));

    [Theory]
    [InlineData(0L, 0L, 0L)]          // nothing set
    [InlineData(0L, -1L, -1L)]        // unlimited memory, no swap given: unlimited swap
    [InlineData(-1L, 1000L, -1L)]     // max
    [InlineData(0L, 1000L, 0L)]       // swap unset
    [InlineData(1000L, 1000L, 0L)]    // swap == limit: no swap
    [InlineData(3000L, 1000L, 2000L)] // memory+swap minus memory
    public void MemorySwapToV2(long swap, long memory, long expected) =>
        Assert.Equal(expected, Conversions.MemorySwapToV2(swap, memory));

    [Theory]
    [InlineData(500L, 1000L, "memory+swap limit should be >= memory limit")]
    [InlineData(1000L, 0L, "unable to set swap limit without memory limit")]
    [InlineData(1000L, -1L, "unable to set swap limit without memory limit")]
    [InlineData(1000L, -5L, "invalid memory value: -5")]
    public void MemorySwapToV2Errors(long swap, long memory, string message) =>
        Assert.Equal(message, Assert.Throws<CgroupV2Exception>(() => Conversions.MemorySwapToV2(swap, memory)).Message);

    [Theory]
    [InlineData(0L, "")]
    [InlineData(-1L, "max")]
    [InlineData(4096L, "4096")]
    public void NumToStr(long v, string s) => Assert.Equal(s, Conversions.NumToStr(v));
}
