using System.Text.Json;

namespace Skiff;

/// <summary>A container's resource usage, from its cgroups (`skiff events --stats`).</summary>
/// <param name="CpuUsageNanoseconds">CPU time used by all its processes.</param>
/// <param name="MemoryUsageBytes">Memory in use now.</param>
/// <param name="MemoryMaxUsageBytes">The highest memory use seen.</param>
/// <param name="MemoryLimitBytes">The memory limit, or null when unlimited or unknown.</param>
/// <param name="PidsCurrent">Processes and threads now.</param>
/// <param name="PidsLimit">The pids limit, or null when unlimited or unknown.</param>
public sealed record ContainerStats(
    ulong CpuUsageNanoseconds,
    ulong MemoryUsageBytes,
    ulong MemoryMaxUsageBytes,
    ulong? MemoryLimitBytes,
    ulong PidsCurrent,
    ulong? PidsLimit)
{
    // cgroup v1 reports "no limit" as a page-rounded LONG_MAX
    private const ulong Unlimited = 1UL << 62;

    internal static ContainerStats Parse(JsonElement data)
    {
        ulong cpu = Get(data, "cpu", "usage", "total");
        ulong memUsage = Get(data, "memory", "usage", "usage");
        ulong memMax = Get(data, "memory", "usage", "max");
        ulong memLimit = Get(data, "memory", "usage", "limit");
        ulong pids = Get(data, "pids", "current");
        ulong pidsLimit = Get(data, "pids", "limit");
        return new ContainerStats(cpu, memUsage, memMax,
            memLimit is 0 or >= Unlimited ? null : memLimit, pids, pidsLimit == 0 ? null : pidsLimit);
    }

    private static ulong Get(JsonElement e, params string[] path)
    {
        foreach (string p in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e)) return 0;
        }
        return e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out ulong v) ? v : 0;
    }
}
