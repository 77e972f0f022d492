using System.Globalization;
using System.Text;
using System.Text.Json;
using Skiff.Cgroups;
using Skiff.RuntimeSpec;

namespace Skiff.Cli.Commands;

/// <summary>
/// runc's events/types.go as JSON, one object a line: {"type":"stats","id":…,"data":{cpu, cpuset, memory, pids,
/// blkio, hugetlb, intel_rdt, network_interfaces}} and {"type":"oom","id":…}. Field names, omitempty rules and
/// key order follow Go's encoding/json of those types (maps sorted by key).
/// </summary>
internal static class EventsJson
{
    public static string Oom(string id) => Event("oom", id, null);

    public static string Stats(string id, CgroupStats s, IReadOnlyDictionary<string, string> cgroupPaths) =>
        Event("stats", id, w => Data(w, s, cgroupPaths));

    private static string Event(string type, string id, Action<Utf8JsonWriter>? data)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("type", type);
            w.WriteString("id", id);
            if (data is not null)
            {
                w.WritePropertyName("data");
                data(w);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    private static void Data(Utf8JsonWriter w, CgroupStats s, IReadOnlyDictionary<string, string> paths)
    {
        w.WriteStartObject();
        w.WriteStartObject("cpu");
        w.WriteStartObject("usage");
        NonZero(w, "total", s.Cpu.TotalUsage);
        List(w, "percpu", s.Cpu.PercpuUsage);
        List(w, "percpu_kernel", s.Cpu.PercpuUsageInKernelmode);
        List(w, "percpu_user", s.Cpu.PercpuUsageInUsermode);
        w.WriteNumber("kernel", s.Cpu.UsageInKernelmode);
        w.WriteNumber("user", s.Cpu.UsageInUsermode);
        w.WriteEndObject();
        w.WriteStartObject("throttling");
        NonZero(w, "periods", s.Cpu.ThrottlingPeriods);
        NonZero(w, "throttledPeriods", s.Cpu.ThrottledPeriods);
        NonZero(w, "throttledTime", s.Cpu.ThrottledTime);
        w.WriteEndObject();
        w.WriteEndObject();

        CpuSet(w, paths.GetValueOrDefault("cpuset"));

        w.WriteStartObject("memory");
        NonZero(w, "cache", s.Memory.Cache);
        Memory(w, "usage", s.Memory.Usage);
        Memory(w, "swap", s.Memory.SwapUsage);
        Memory(w, "kernel", s.Memory.KernelUsage);
        Memory(w, "kernelTCP", s.Memory.KernelTcpUsage);
        if (s.Memory.Stats.Count > 0)
        {
            w.WriteStartObject("raw");
            foreach (string k in OrdinalKeys.Sorted(s.Memory.Stats.Keys)) w.WriteNumber(k, s.Memory.Stats[k]);
            w.WriteEndObject();
        }
        w.WriteEndObject();

        w.WriteStartObject("pids");
        NonZero(w, "current", s.Pids.Current);
        NonZero(w, "limit", s.Pids.Limit);
        w.WriteEndObject();

        w.WriteStartObject("blkio");
        Blkio(w, "ioServiceBytesRecursive", s.Blkio.IoServiceBytesRecursive);
        Blkio(w, "ioServicedRecursive", s.Blkio.IoServicedRecursive);
        Blkio(w, "ioQueueRecursive", s.Blkio.IoQueuedRecursive);
        Blkio(w, "ioServiceTimeRecursive", s.Blkio.IoServiceTimeRecursive);
        Blkio(w, "ioWaitTimeRecursive", s.Blkio.IoWaitTimeRecursive);
        Blkio(w, "ioMergedRecursive", s.Blkio.IoMergedRecursive);
        Blkio(w, "ioTimeRecursive", s.Blkio.IoTimeRecursive);
        Blkio(w, "sectorsRecursive", s.Blkio.SectorsRecursive);
        w.WriteEndObject();

        w.WriteStartObject("hugetlb");
        foreach (string size in OrdinalKeys.Sorted(s.Hugetlb.Keys))
        {
            HugetlbStats h = s.Hugetlb[size];
            w.WriteStartObject(size);
            NonZero(w, "usage", h.Usage);
            NonZero(w, "max", h.MaxUsage);
            w.WriteNumber("failcnt", h.Failcnt);
            w.WriteEndObject();
        }
        w.WriteEndObject();

        w.WriteStartObject("intel_rdt");
        w.WriteEndObject();
        w.WriteNull("network_interfaces");
        w.WriteEndObject();
    }

    private static void Memory(Utf8JsonWriter w, string name, MemoryData d)
    {
        w.WriteStartObject(name);
        w.WriteNumber("limit", d.Limit);
        NonZero(w, "usage", d.Usage);
        NonZero(w, "max", d.MaxUsage);
        w.WriteNumber("failcnt", d.Failcnt);
        w.WriteEndObject();
    }

    private static void Blkio(Utf8JsonWriter w, string name, List<BlkioStatEntry> entries)
    {
        if (entries.Count == 0) return;
        w.WriteStartArray(name);
        foreach (var e in entries)
        {
            w.WriteStartObject();
            NonZero(w, "major", e.Major);
            NonZero(w, "minor", e.Minor);
            if (e.Op.Length > 0) w.WriteString("op", e.Op);
            NonZero(w, "value", e.Value);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>runc's cpuset stats (v1 cpuset.* files); the zero object when the hierarchy is absent.</summary>
    private static void CpuSet(Utf8JsonWriter w, string? dir)
    {
        string? Read(string file)
        {
            if (dir is null) return null;
            try { return File.ReadAllText(Path.Join(dir, file)).Trim(); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { return null; }
        }
        ulong U(string file) => ulong.TryParse(Read(file), NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : 0;

        w.WriteStartObject("cpuset");
        CpuList(w, "cpus", Read("cpuset.cpus"));
        w.WriteNumber("cpu_exclusive", U("cpuset.cpu_exclusive"));
        CpuList(w, "mems", Read("cpuset.mems"));
        w.WriteNumber("mem_hardwall", U("cpuset.mem_hardwall"));
        w.WriteNumber("mem_exclusive", U("cpuset.mem_exclusive"));
        w.WriteNumber("memory_migrate", U("cpuset.memory_migrate"));
        w.WriteNumber("memory_spread_page", U("cpuset.memory_spread_page"));
        w.WriteNumber("memory_spread_slab", U("cpuset.memory_spread_slab"));
        w.WriteNumber("memory_pressure", U("cpuset.memory_pressure"));
        w.WriteNumber("sched_load_balance", U("cpuset.sched_load_balance"));
        w.WriteNumber("sched_relax_domain_level",
            long.TryParse(Read("cpuset.sched_relax_domain_level"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) ? l : 0);
        w.WriteEndObject();
    }

    private static void CpuList(Utf8JsonWriter w, string name, string? list)
    {
        if (string.IsNullOrEmpty(list)) return;
        SortedSet<int> cpus;
        try { cpus = Skiff.Linux.CpuList.Parse(list); }
        catch (FormatException) { return; }
        w.WriteStartArray(name);
        foreach (int c in cpus) w.WriteNumberValue(c);
        w.WriteEndArray();
    }

    private static void NonZero(Utf8JsonWriter w, string name, ulong v)
    {
        if (v != 0) w.WriteNumber(name, v);
    }

    private static void List(Utf8JsonWriter w, string name, List<ulong> values)
    {
        if (values.Count == 0) return;
        w.WriteStartArray(name);
        foreach (ulong v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }
}
