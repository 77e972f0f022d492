using System.Globalization;

namespace Skiff.Cgroups.V2;

public sealed partial class Manager
{
    /// <summary>Stats from the v2 files (runc's fs2 stats): cpu.stat, memory.current/max/stat, pids.current/max.</summary>
    public CgroupStats GetStats()
    {
        var s = new CgroupStats();
        foreach (var (k, v) in KeyValues("cpu.stat"))
        {
            switch (k)
            {
                case "usage_usec": s.Cpu.TotalUsage = v * 1000; break;
                case "user_usec": s.Cpu.UsageInUsermode = v * 1000; break;
                case "system_usec": s.Cpu.UsageInKernelmode = v * 1000; break;
                case "nr_periods": s.Cpu.ThrottlingPeriods = v; break;
                case "nr_throttled": s.Cpu.ThrottledPeriods = v; break;
                case "throttled_usec": s.Cpu.ThrottledTime = v * 1000; break;
            }
        }
        s.Memory.Usage.Usage = Number("memory.current");
        s.Memory.Usage.MaxUsage = Number("memory.peak");
        s.Memory.Usage.Limit = Number("memory.max", ulong.MaxValue);
        s.Memory.SwapUsage.Usage = Number("memory.swap.current");
        s.Memory.SwapUsage.Limit = Number("memory.swap.max", ulong.MaxValue);
        foreach (var (k, v) in KeyValues("memory.stat")) s.Memory.Stats[k] = v;
        if (s.Memory.Stats.TryGetValue("file", out ulong file)) s.Memory.Cache = file;
        s.Pids.Current = Number("pids.current");
        s.Pids.Limit = Number("pids.max", 0);
        return s;
    }

    private ulong Number(string file, ulong max = 0)
    {
        string? text = CgroupFiles.TryRead(Dir, file)?.Trim();
        if (text is null or "") return 0;
        if (text == "max") return max;
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;
    }

    private IEnumerable<(string, ulong)> KeyValues(string file)
    {
        string? text = CgroupFiles.TryRead(Dir, file);
        if (text is null) yield break;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            if (f.Length == 2 && ulong.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) yield return (f[0], v);
        }
    }
}
