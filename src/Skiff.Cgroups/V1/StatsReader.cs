using System.Globalization;

namespace Skiff.Cgroups.V1;

/// <summary>Reads the v1 usage counters (runc fs/*.go GetStats, the parts `events --stats` shows).
/// Missing files (optional controllers and knobs) leave their counters at zero.</summary>
internal static class StatsReader
{
    /// <summary>USER_HZ: cpuacct.stat counts in clock ticks.</summary>
    private const ulong ClockTicks = 100;

    public static CgroupStats Read(CgroupFs fs, IReadOnlyDictionary<string, string> paths)
    {
        var s = new CgroupStats();
        if (paths.TryGetValue("cpu", out string? cpu)) Cpu(fs, cpu, s.Cpu);
        if (paths.TryGetValue("cpuacct", out string? acct)) Cpuacct(fs, acct, s.Cpu);
        if (paths.TryGetValue("memory", out string? mem)) Memory(fs, mem, s.Memory);
        if (paths.TryGetValue("pids", out string? pids)) Pids(fs, pids, s.Pids);
        if (paths.TryGetValue("blkio", out string? blkio)) Blkio(fs, blkio, s.Blkio);
        if (paths.TryGetValue("hugetlb", out string? huge)) Hugetlb(fs, huge, s.Hugetlb);
        return s;
    }

    private static ulong U(CgroupFs fs, string dir, string file) =>
        fs.TryRead(dir, file) is string t ? CgroupFs.ParseUlong(t) ?? 0 : 0;

    private static void Cpu(CgroupFs fs, string dir, CpuStats c)
    {
        if (fs.TryRead(dir, "cpu.stat") is not string text) return;
        c.ThrottlingPeriods = CgroupFs.ValueByKey(text, "nr_periods") ?? 0;
        c.ThrottledPeriods = CgroupFs.ValueByKey(text, "nr_throttled") ?? 0;
        c.ThrottledTime = CgroupFs.ValueByKey(text, "throttled_time") ?? 0;
    }

    private static void Cpuacct(CgroupFs fs, string dir, CpuStats c)
    {
        c.TotalUsage = U(fs, dir, "cpuacct.usage");
        if (fs.TryRead(dir, "cpuacct.usage_percpu") is string percpu)
            c.PercpuUsage = Numbers(percpu);
        if (fs.TryRead(dir, "cpuacct.stat") is string stat)
        {
            c.UsageInUsermode = (CgroupFs.ValueByKey(stat, "user") ?? 0) * 1_000_000_000 / ClockTicks;
            c.UsageInKernelmode = (CgroupFs.ValueByKey(stat, "system") ?? 0) * 1_000_000_000 / ClockTicks;
        }
        // "cpu user system" then one line per cpu.
        if (fs.TryRead(dir, "cpuacct.usage_all") is string all)
        {
            foreach (string line in all.Split('\n').Skip(1))
            {
                List<ulong> f = Numbers(line);
                if (f.Count != 3) continue;
                c.PercpuUsageInUsermode.Add(f[1]);
                c.PercpuUsageInKernelmode.Add(f[2]);
            }
        }
    }

    private static void Memory(CgroupFs fs, string dir, MemoryStats m)
    {
        if (fs.TryRead(dir, "memory.stat") is string stat)
        {
            foreach (string line in stat.Split('\n'))
            {
                string[] kv = line.Split(' ');
                if (kv.Length == 2 && CgroupFs.ParseUlong(kv[1]) is ulong v) m.Stats[kv[0]] = v;
            }
        }
        m.Cache = m.Stats.GetValueOrDefault("cache");
        Data(fs, dir, "memory", m.Usage);
        Data(fs, dir, "memory.memsw", m.SwapUsage);
        Data(fs, dir, "memory.kmem", m.KernelUsage);
        Data(fs, dir, "memory.kmem.tcp", m.KernelTcpUsage);
        m.UseHierarchy = U(fs, dir, "memory.use_hierarchy") == 1;
    }

    private static void Data(CgroupFs fs, string dir, string prefix, MemoryData d)
    {
        d.Usage = U(fs, dir, prefix + ".usage_in_bytes");
        d.MaxUsage = U(fs, dir, prefix + ".max_usage_in_bytes");
        d.Failcnt = U(fs, dir, prefix + ".failcnt");
        d.Limit = U(fs, dir, prefix + ".limit_in_bytes");
    }

    private static void Pids(CgroupFs fs, string dir, PidsStats p)
    {
        p.Current = U(fs, dir, "pids.current");
        ulong max = U(fs, dir, "pids.max");
        p.Limit = max == ulong.MaxValue ? 0 : max;
    }

    private static void Blkio(CgroupFs fs, string dir, BlkioStats b)
    {
        // CFQ files when the kernel has them, else the throttle counters (as runc).
        string prefix = fs.TryRead(dir, "blkio.io_service_bytes_recursive") is { Length: > 0 } t && HasEntries(t)
            ? "blkio." : "blkio.throttle.";
        b.IoServiceBytesRecursive = Entries(fs, dir, prefix + "io_service_bytes_recursive");
        b.IoServicedRecursive = Entries(fs, dir, prefix + "io_serviced_recursive");
        if (prefix == "blkio.")
        {
            b.IoQueuedRecursive = Entries(fs, dir, "blkio.io_queued_recursive");
            b.IoServiceTimeRecursive = Entries(fs, dir, "blkio.io_service_time_recursive");
            b.IoWaitTimeRecursive = Entries(fs, dir, "blkio.io_wait_time_recursive");
            b.IoMergedRecursive = Entries(fs, dir, "blkio.io_merged_recursive");
            b.IoTimeRecursive = Entries(fs, dir, "blkio.time_recursive");
            b.SectorsRecursive = Entries(fs, dir, "blkio.sectors_recursive");
        }
    }

    private static bool HasEntries(string text) => text.Split('\n').Any(l => l.Split(' ').Length >= 2 && l.Contains(':'));

    /// <summary>"8:0 Read 4096" lines (and "8:0 4096" without an op); "Total N" lines are skipped.</summary>
    internal static List<BlkioStatEntry> Entries(CgroupFs fs, string dir, string file)
    {
        var list = new List<BlkioStatEntry>();
        if (fs.TryRead(dir, file) is not string text) return list;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string[] mm = f[0].Split(':');
            if (mm.Length != 2 || f.Length < 2) continue;
            if (!ulong.TryParse(mm[0], CultureInfo.InvariantCulture, out ulong major) ||
                !ulong.TryParse(mm[1], CultureInfo.InvariantCulture, out ulong minor)) continue;
            string op = f.Length >= 3 ? f[1] : "";
            if (CgroupFs.ParseUlong(f[^1]) is ulong v) list.Add(new BlkioStatEntry(major, minor, op, v));
        }
        return list;
    }

    private static void Hugetlb(CgroupFs fs, string dir, Dictionary<string, HugetlbStats> h)
    {
        if (!Directory.Exists(dir)) return;
        foreach (string path in Directory.EnumerateFiles(dir, "hugetlb.*.usage_in_bytes"))
        {
            string name = Path.GetFileName(path);
            string size = name["hugetlb.".Length..^".usage_in_bytes".Length];
            if (size.EndsWith(".rsvd", StringComparison.Ordinal)) continue;
            h[size] = new HugetlbStats
            {
                Usage = U(fs, dir, $"hugetlb.{size}.usage_in_bytes"),
                MaxUsage = U(fs, dir, $"hugetlb.{size}.max_usage_in_bytes"),
                Failcnt = U(fs, dir, $"hugetlb.{size}.failcnt"),
            };
        }
    }

    private static List<ulong> Numbers(string text)
    {
        var numbers = new List<ulong>();
        foreach (string x in text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)) numbers.Add(CgroupFs.ParseUlong(x) ?? 0);
        return numbers;
    }
}
