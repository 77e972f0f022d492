namespace Skiff.Cgroups.V2;

/// <summary>runc's v1 → v2 value conversions (libcontainer/cgroups/utils.go), same arithmetic, same errors.</summary>
public static class Conversions
{
    /// <summary>
    /// cpu.shares [2..262144] → cpu.weight [1..10000] with runc 1.3.2/1.4's curve (opencontainers/cgroups#4785): a
    /// quadratic in log2(shares) through the minimum, the maximum and both defaults (1024 → 100), so the v1
    /// default lands on the v2 default instead of 39. 0 stays 0 (unset); out-of-range values are clamped.
    /// </summary>
    public static ulong CpuSharesToWeight(ulong shares)
    {
        if (shares == 0) return 0;
        if (shares <= 2) return 1;
        if (shares >= 262144) return 10000;
        double l = Math.Log2(shares);
        double exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
        return (ulong)Math.Ceiling(Math.Pow(10, exponent));
    }

    /// <summary>blkio.weight [10..1000] → io.weight [1..10000]: 1 + (w-10)*9999/990; 0 stays 0 (unset).</summary>
    public static ulong BlkioWeightToIoWeight(ushort weight) =>
        weight == 0 ? 0 : unchecked(1 + ((ulong)weight - 10) * 9999 / 990);

    /// <summary>
    /// OCI's memory.swap is memory+swap (v1 semantics); v2's memory.swap.max is swap alone. -1 is "max", 0 unset.
    /// </summary>
    public static long MemorySwapToV2(long memorySwap, long memory)
    {
        // As with v1, an unlimited memory and no explicit swap means unlimited swap too.
        if (memory == -1 && memorySwap == 0) return -1;
        if (memorySwap == -1 || memorySwap == 0) return memorySwap;
        // runc 1.2.1: unlimited memory with a swap limit keeps the swap value as it is
        if (memory == -1) return memorySwap;
        if (memory == 0) throw new CgroupV2Exception("unable to set swap limit without memory limit");
        if (memory < 0) throw new CgroupV2Exception($"invalid memory value: {memory}");
        if (memorySwap < memory) throw new CgroupV2Exception("memory+swap limit should be >= memory limit");
        return memorySwap - memory;
    }

    /// <summary>runc's numToStr: 0 → "" (unset), -1 → "max", else the number.</summary>
    public static string NumToStr(long value) => value switch
    {
        0 => "",
        -1 => "max",
        _ => value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
