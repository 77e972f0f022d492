namespace Skiff.Cgroups;

/// <summary>Usage counters of a container's cgroups (runc's cgroups.Stats, the v1 subset), for <c>events --stats</c>.</summary>
public sealed class CgroupStats
{
    public CpuStats Cpu { get; } = new();
    public MemoryStats Memory { get; } = new();
    public PidsStats Pids { get; } = new();
    public BlkioStats Blkio { get; } = new();
    /// <summary>Page size ("2MB") → usage.</summary>
    public Dictionary<string, HugetlbStats> Hugetlb { get; } = new();
}

public sealed class CpuStats
{
    /// <summary>Nanoseconds (cpuacct.usage).</summary>
    public ulong TotalUsage { get; set; }
    public List<ulong> PercpuUsage { get; set; } = [];
    public List<ulong> PercpuUsageInKernelmode { get; set; } = [];
    public List<ulong> PercpuUsageInUsermode { get; set; } = [];
    /// <summary>Nanoseconds (cpuacct.stat ticks converted as runc does).</summary>
    public ulong UsageInKernelmode { get; set; }
    public ulong UsageInUsermode { get; set; }
    public ulong ThrottlingPeriods { get; set; }
    public ulong ThrottledPeriods { get; set; }
    public ulong ThrottledTime { get; set; }
}

public sealed class MemoryData
{
    public ulong Usage { get; set; }
    public ulong MaxUsage { get; set; }
    public ulong Failcnt { get; set; }
    public ulong Limit { get; set; }
}

public sealed class MemoryStats
{
    public ulong Cache { get; set; }
    public MemoryData Usage { get; } = new();
    /// <summary>memory+swap (memsw) counters.</summary>
    public MemoryData SwapUsage { get; } = new();
    public MemoryData KernelUsage { get; } = new();
    public MemoryData KernelTcpUsage { get; } = new();
    public bool UseHierarchy { get; set; }
    /// <summary>memory.stat as key → value.</summary>
    public Dictionary<string, ulong> Stats { get; } = new();
}

public sealed class PidsStats
{
    public ulong Current { get; set; }
    /// <summary>0 when unlimited ("max").</summary>
    public ulong Limit { get; set; }
}

public sealed record BlkioStatEntry(ulong Major, ulong Minor, string Op, ulong Value);

public sealed class BlkioStats
{
    public List<BlkioStatEntry> IoServiceBytesRecursive { get; set; } = [];
    public List<BlkioStatEntry> IoServicedRecursive { get; set; } = [];
    public List<BlkioStatEntry> IoQueuedRecursive { get; set; } = [];
    public List<BlkioStatEntry> IoServiceTimeRecursive { get; set; } = [];
    public List<BlkioStatEntry> IoWaitTimeRecursive { get; set; } = [];
    public List<BlkioStatEntry> IoMergedRecursive { get; set; } = [];
    public List<BlkioStatEntry> IoTimeRecursive { get; set; } = [];
    public List<BlkioStatEntry> SectorsRecursive { get; set; } = [];
}

public sealed class HugetlbStats
{
    public ulong Usage { get; set; }
    public ulong MaxUsage { get; set; }
    public ulong Failcnt { get; set; }
}
