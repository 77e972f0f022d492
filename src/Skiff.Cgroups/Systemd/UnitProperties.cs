using System.Globalization;
using Skiff.Cgroups.Devices;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.Systemd;

/// <summary>
/// The properties runc gives a container's transient unit (libcontainer/cgroups/systemd: v1.go, v2.go, common.go):
/// the unit's own (Description, Slice, Delegate, DefaultDependencies, accounting) and the resources systemd knows,
/// in systemd's terms. Whatever has no systemd property is written by the fs manager afterwards.
/// </summary>
internal static class UnitProperties
{
    private const ulong DefaultCpuQuotaPeriod = 100000;

    /// <summary>StartTransientUnit's properties for a scope (or slice) in <paramref name="slice"/>, holding <paramref name="pid"/>.</summary>
    public static List<UnitProperty> ForStart(string containerId, string unit, string slice, int pid, bool v2, LinuxResources? r)
    {
        var props = new List<UnitProperty> { UnitProperty.String("Description", "skiff container " + containerId) };
        if (unit.EndsWith(".slice", StringComparison.Ordinal))
        {
            // A slice can be wanted by its parent, not put in it; it holds no process itself.
            props.Add(new UnitProperty("Wants", "as", new[] { slice }));
        }
        else
        {
            props.Add(UnitProperty.String("Slice", slice));
            props.Add(UnitProperty.Bool("Delegate", true));
        }
        if (pid != -1) props.Add(UnitProperty.UInt32s("PIDs", [(uint)pid]));
        // Stop the unit with the container, and don't order it after other units (runc's DefaultDependencies=no).
        props.Add(UnitProperty.Bool("DefaultDependencies", false));
        props.Add(UnitProperty.Bool("MemoryAccounting", true));
        props.Add(UnitProperty.Bool("CPUAccounting", true));
        props.Add(UnitProperty.Bool(v2 ? "IOAccounting" : "BlockIOAccounting", true));
        props.Add(UnitProperty.Bool("TasksAccounting", true));
        props.AddRange(ForResources(r, v2));
        return props;
    }

    /// <summary>The resource properties (also what SetUnitProperties gets on update).</summary>
    public static List<UnitProperty> ForResources(LinuxResources? r, bool v2)
    {
        var props = new List<UnitProperty>();
        if (r is null) return props;
        props.AddRange(Devices(r.Devices));
        long memory = r.Memory?.Limit ?? 0;
        if (v2)
        {
            if (memory != 0) props.Add(UnitProperty.UInt64("MemoryMax", (ulong)memory));
            if ((r.Memory?.Reservation ?? 0) is long low and not 0) props.Add(UnitProperty.UInt64("MemoryLow", (ulong)low));
            long swap = V2.Conversions.MemorySwapToV2(r.Memory?.Swap ?? 0, memory);
            if (swap != 0) props.Add(UnitProperty.UInt64("MemorySwapMax", (ulong)swap));
            ulong shares = r.Cpu?.Shares ?? 0;
            if (shares != 0) props.Add(UnitProperty.UInt64("CPUWeight", V2.Conversions.CpuSharesToWeight(shares)));
        }
        else
        {
            if (memory != 0) props.Add(UnitProperty.UInt64("MemoryLimit", (ulong)memory));
            if (r.Cpu?.Shares is ulong shares and not 0) props.Add(UnitProperty.UInt64("CPUShares", shares));
            if (r.BlockIO?.Weight is ushort w and not 0) props.Add(UnitProperty.UInt64("BlockIOWeight", w));
        }
        AddCpuQuota(props, r.Cpu?.Quota ?? 0, r.Cpu?.Period ?? 0);
        // systemd takes no 0 for TasksMax: 0 is 1, as the fs drivers write it; a negative limit is infinity
        if (r.Pids?.Limit is long pids) props.Add(UnitProperty.UInt64("TasksMax", pids < 0 ? ulong.MaxValue : pids == 0 ? 1 : (ulong)pids));
        if (v2) AddCpuset(props, r.Cpu?.Cpus, r.Cpu?.Mems);
        return props;
    }

    /// <summary>runc's addCpuQuota: CPUQuotaPerSecUSec rounded up to whole percents, CPUQuotaPeriodUSec as given.</summary>
    internal static void AddCpuQuota(List<UnitProperty> props, long quota, ulong period)
    {
        if (period != 0) props.Add(UnitProperty.UInt64("CPUQuotaPeriodUSec", period));
        if (quota == 0 && period == 0) return;
        ulong perSec = ulong.MaxValue; // USEC_INFINITY
        if (quota > 0)
        {
            if (period == 0) period = DefaultCpuQuotaPeriod;
            perSec = (ulong)quota * 1000000 / period;
            if (perSec % 10000 != 0) perSec = (perSec / 10000 + 1) * 10000;
        }
        props.Add(UnitProperty.UInt64("CPUQuotaPerSecUSec", perSec));
    }

    /// <summary>AllowedCPUs / AllowedMemoryNodes as systemd's bitmask bytes (byte 0 holds cpus 0-7, lowest bit first).</summary>
    internal static void AddCpuset(List<UnitProperty> props, string? cpus, string? mems)
    {
        if (!string.IsNullOrEmpty(cpus)) props.Add(UnitProperty.Bytes("AllowedCPUs", RangeToBits(cpus)));
        if (!string.IsNullOrEmpty(mems)) props.Add(UnitProperty.Bytes("AllowedMemoryNodes", RangeToBits(mems)));
    }

    /// <summary>"0-2,7" → bits 0,1,2,7 → bytes [0x87] (runc's RangeToBits, little-endian bytes).</summary>
    internal static byte[] RangeToBits(string list)
    {
        var bits = new List<int>();
        foreach (string part in list.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) continue;
            string[] ends = part.Split('-');
            if (ends.Length > 2 || !int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int lo) ||
                (ends.Length == 2 && !int.TryParse(ends[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new CgroupException($"invalid cpuset range \"{list}\"");
            int hi = ends.Length == 2 ? int.Parse(ends[1], CultureInfo.InvariantCulture) : lo;
            if (hi < lo || hi > 65535) throw new CgroupException($"invalid cpuset range \"{list}\"");
            for (int i = lo; i <= hi; i++) bits.Add(i);
        }
        if (bits.Count == 0) throw new CgroupException($"invalid cpuset range \"{list}\"");
        byte[] bytes = new byte[bits.Max() / 8 + 1];
        foreach (int b in bits) bytes[b / 8] |= (byte)(1 << (b % 8));
        return bytes;
    }

    /// <summary>
    /// runc's generateDeviceProperties: DevicePolicy=strict with a DeviceAllow list from the emulated allow-list;
    /// an allow-all list is DevicePolicy=auto; a deny-list systemd cannot express becomes a temporary deny-all (the
    /// device filter written afterwards replaces it). Null rules: nothing. In runc 1.2.5's order: an empty
    /// DeviceAllow first (it clears the unit's list), then DevicePolicy, then the list, so a transient unit keeps
    /// the same rules across `systemctl daemon-reload` (systemd ≥ v230 reloads them in the order they were set).
    /// </summary>
    internal static IEnumerable<UnitProperty> Devices(List<LinuxDeviceCgroup>? spec)
    {
        if (spec is null) return [];
        var emu = DeviceEmulator.FromRules(DeviceRule.FromSpec(spec));
        if (emu.DefaultAllow)
        {
            if (emu.Exceptions().Count == 0)
                return [UnitProperty.Pairs("DeviceAllow", []), UnitProperty.String("DevicePolicy", "auto")];
            Log.Warn("systemd doesn't support blacklist device rules -- applying temporary deny-all rule");
            return [UnitProperty.Pairs("DeviceAllow", []), UnitProperty.String("DevicePolicy", "strict")];
        }
        var allow = new List<(string, string)>();
        foreach (DeviceRule rule in emu.Exceptions())
        {
            string group = rule.Type == 'b' ? "block" : "char";
            string path;
            if (rule.Major == DeviceRule.Wildcard) path = group + "-*";
            else if (rule.Minor == DeviceRule.Wildcard)
            {
                string? name = ProcDevicesName(rule.Type, rule.Major);
                if (name is null)
                {
                    Log.Warn($"could not find device major {rule.Major} in /proc/devices; skipping rule [{rule.CgroupString()}] for systemd");
                    continue;
                }
                path = group + "-" + name;
            }
            else path = $"/dev/{group}/{rule.Major}:{rule.Minor}";
            allow.Add((path, rule.Permissions));
        }
        return [UnitProperty.Pairs("DeviceAllow", []), UnitProperty.String("DevicePolicy", "strict"),
            UnitProperty.Pairs("DeviceAllow", allow.ToArray())];
    }

    /// <summary>The driver name of a major number in /proc/devices ("Character devices:" / "Block devices:").</summary>
    internal static string? ProcDevicesName(char type, long major, string procDevices = "/proc/devices")
    {
        string section = type == 'b' ? "Block devices:" : "Character devices:";
        bool inSection = false;
        foreach (string line in File.ReadLines(procDevices))
        {
            if (line.EndsWith(':')) { inSection = line == section; continue; }
            if (!inSection) continue;
            string[] f = line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (f.Length == 2 && long.TryParse(f[0], out long m) && m == major) return f[1];
        }
        return null;
    }
}
