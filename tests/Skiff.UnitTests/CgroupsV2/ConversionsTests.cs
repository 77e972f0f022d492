using Skiff.Cgroups.V2;
using Xunit;

namespace Skiff.UnitTests.CgroupsV2;

public class ConversionsTests
{
    [Theory]
    [InlineData(0UL, 0UL)]
    [InlineData(1UL, 1UL)]           // below the v1 minimum: clamped
    [InlineData(2UL, 1UL)]
    [InlineData(3UL, 2UL)]
    [InlineData(1024UL, 100UL)]      // v1 default → v2 default (runc 1.4's curve; the old linear formula gave 39)
    [InlineData(512UL, 59UL)]
    [InlineData(2048UL, 174UL)]
    [InlineData(262143UL, 10000UL)]
    [InlineData(262144UL, 10000UL)]
    [InlineData(1000000UL, 10000UL)] // above the v1 maximum: clamped
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
    [InlineData(1000L, -1L, 1000L)]   // runc 1.2.1: unlimited memory with a swap limit: the swap value as it is
    public void MemorySwapToV2(long swap, long memory, long expected) =>
        Assert.Equal(expected, Conversions.MemorySwapToV2(swap, memory));

    [Theory]
    [InlineData(500L, 1000L, "memory+swap limit should be >= memory limit")]
    [InlineData(1000L, 0L, "unable to set swap limit without memory limit")]
    [InlineData(1000L, -5L, "invalid memory value: -5")]
    public void MemorySwapToV2Errors(long swap, long memory, string message) =>
        Assert.Equal(message, Assert.Throws<CgroupV2Exception>(() => Conversions.MemorySwapToV2(swap, memory)).Message);

    [Theory]
    [InlineData(0L, "")]
    [InlineData(-1L, "max")]
    [InlineData(4096L, "4096")]
    public void NumToStr(long v, string s) => Assert.Equal(s, Conversions.NumToStr(v));
}
