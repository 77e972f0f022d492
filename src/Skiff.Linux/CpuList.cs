using System.Globalization;

namespace Skiff.Linux;

/// <summary>The kernel's cpu (and NUMA node) list format, as in cpuset.cpus, /sys/devices/system/cpu/isolated and
/// the spec's execCPUAffinity and memoryPolicy.nodes.</summary>
public static class CpuList
{
    /// <summary>The highest cpu or NUMA node id a list may name (runc's configs.MaxCPU).</summary>
    public const int MaxCpu = 64 * 1024;

    /// <summary>
    /// A kernel cpu (or NUMA node) list ("0-3,8,10-11"; spaces and empty elements allowed), as runc's
    /// configs.ToCPUSet, with its messages. Throws FormatException.
    /// </summary>
    public static SortedSet<int> Parse(string list)
    {
        var set = new SortedSet<int>();
        foreach (string raw in list.Split(','))
        {
            string r = raw.Trim();
            if (r.Length == 0) continue;
            int dash = r.IndexOf('-', StringComparison.Ordinal);
            if (dash >= 0)
            {
                int start = ParseCpu(r[..dash]), end = ParseCpu(r[(dash + 1)..]);
                if (start > end) throw new FormatException($"invalid range: {r}");
                for (int i = start; i <= end; i++) set.Add(i);
            }
            else
            {
                set.Add(ParseCpu(r));
            }
        }
        if (set.Count == 0) throw new FormatException($"no members found in set \"{list}\"");
        return set;
    }

    // Go's strconv.ParseUint(s, 10, 32) and runc's MaxCPU check
    private static int ParseCpu(string s)
    {
        if (s.Length == 0 || !s.All(char.IsAsciiDigit))
            throw new FormatException($"strconv.ParseUint: parsing \"{s}\": invalid syntax");
        if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) || v > uint.MaxValue)
            throw new FormatException($"strconv.ParseUint: parsing \"{s}\": value out of range");
        if (v > MaxCpu) throw new FormatException($"values larger than {MaxCpu} are not supported");
        return (int)v;
    }
}
