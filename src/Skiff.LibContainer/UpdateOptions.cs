using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

/// <summary>
/// `update`'s flags (runc update.go): each given value replaces the one in the container's resources. Sizes
/// take runc's suffixes (k, m, g, t, p with optional "b"/"ib", binary multiples); -1 means unlimited.
/// </summary>
public sealed class UpdateOptions
{
    public string? Memory, MemoryReservation, MemorySwap, KernelMemory, KernelMemoryTcp;
    public string? CpuShares, CpuPeriod, CpuQuota, CpuRtPeriod, CpuRtRuntime, CpusetCpus, CpusetMems, CpuIdle, CpuBurst;
    public string? PidsLimit, BlkioWeight, L3CacheSchema, MemBwSchema;
    /// <summary>-r FILE ("-" for stdin): a LinuxResources JSON that replaces the flags.</summary>
    public LinuxResources? FromFile;

    /// <summary>Applies the options to <paramref name="r"/> (the saved resources) and returns it.</summary>
    public LinuxResources Apply(LinuxResources? r)
    {
        r ??= new LinuxResources();
        if (KernelMemory is not null) throw new ContainerException("kernel memory limit (--kernel-memory) is not supported any more");
        var src = FromFile;
        if (src is not null)
        {
            if (src.Memory is { } m)
            {
                var dst = r.Memory ??= new LinuxMemory();
                if (m.Kernel is not null) throw new ContainerException("kernel memory limit is not supported any more");
                dst.Limit = m.Limit ?? dst.Limit;
                dst.Reservation = m.Reservation ?? dst.Reservation;
                dst.Swap = m.Swap ?? dst.Swap;
                dst.KernelTcp = m.KernelTcp ?? dst.KernelTcp;
                dst.Swappiness = m.Swappiness ?? dst.Swappiness;
            }
            if (src.Cpu is { } c)
            {
                var dst = r.Cpu ??= new LinuxCpu();
                dst.Shares = c.Shares ?? dst.Shares;
                dst.Quota = c.Quota ?? dst.Quota;
                dst.Period = c.Period ?? dst.Period;
                dst.Burst = c.Burst ?? dst.Burst;
                dst.RealtimePeriod = c.RealtimePeriod ?? dst.RealtimePeriod;
                dst.RealtimeRuntime = c.RealtimeRuntime ?? dst.RealtimeRuntime;
                dst.Cpus = c.Cpus ?? dst.Cpus;
                dst.Mems = c.Mems ?? dst.Mems;
                dst.Idle = c.Idle ?? dst.Idle;
            }
            if (src.Pids?.Limit is long pl) (r.Pids ??= new LinuxPids()).Limit = pl;
            if (src.BlockIO?.Weight is ushort bw) (r.BlockIO ??= new LinuxBlockIO()).Weight = bw;
            if (src.Unified is { } u) foreach (var (k, v) in u) (r.Unified ??= [])[k] = v;
            return r;
        }
        if (Memory is not null) (r.Memory ??= new()).Limit = Size(Memory, "memory");
        if (MemoryReservation is not null) (r.Memory ??= new()).Reservation = Size(MemoryReservation, "memory-reservation");
        if (MemorySwap is not null) (r.Memory ??= new()).Swap = Size(MemorySwap, "memory-swap");
        if (KernelMemoryTcp is not null) (r.Memory ??= new()).KernelTcp = Size(KernelMemoryTcp, "kernel-memory-tcp");
        if (CpuShares is not null) (r.Cpu ??= new()).Shares = U64(CpuShares, "cpu-share");
        if (CpuPeriod is not null) (r.Cpu ??= new()).Period = U64(CpuPeriod, "cpu-period");
        if (CpuQuota is not null) (r.Cpu ??= new()).Quota = I64(CpuQuota, "cpu-quota");
        if (CpuBurst is not null) (r.Cpu ??= new()).Burst = U64(CpuBurst, "cpu-burst");
        if (CpuRtPeriod is not null) (r.Cpu ??= new()).RealtimePeriod = U64(CpuRtPeriod, "cpu-rt-period");
        if (CpuRtRuntime is not null) (r.Cpu ??= new()).RealtimeRuntime = I64(CpuRtRuntime, "cpu-rt-runtime");
        if (CpuIdle is not null) (r.Cpu ??= new()).Idle = I64(CpuIdle, "cpu-idle");
        if (CpusetCpus is not null) (r.Cpu ??= new()).Cpus = CpusetCpus;
        if (CpusetMems is not null) (r.Cpu ??= new()).Mems = CpusetMems;
        if (PidsLimit is not null) (r.Pids ??= new()).Limit = I64(PidsLimit, "pids-limit");
        if (BlkioWeight is not null)
        {
            ulong w = U64(BlkioWeight, "blkio-weight");
            if (w > ushort.MaxValue) throw new ContainerException($"invalid value for blkio-weight: {BlkioWeight}");
            (r.BlockIO ??= new()).Weight = (ushort)w;
        }
        return r;
    }

    private static ulong U64(string s, string flag) =>
        ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v
            : throw new ContainerException($"invalid value for {flag}: strconv.ParseUint: parsing \"{s}\": invalid syntax");

    private static long I64(string s, string flag) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v
            : throw new ContainerException($"invalid value for {flag}: strconv.ParseInt: parsing \"{s}\": invalid syntax");

    /// <summary>runc's units.RAMInBytes, plus "-1" for unlimited.</summary>
    public static long Size(string s, string flag)
    {
        if (s == "-1") return -1;
        string t = s.Trim().ToLowerInvariant();
        int i = 0;
        while (i < t.Length && (char.IsAsciiDigit(t[i]) || t[i] == '.')) i++;
        if (i == 0 || !double.TryParse(t[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double num))
            throw new ContainerException($"invalid value for {flag}: invalid size: '{s}'");
        string unit = t[i..].Trim();
        long mult = unit switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30,
            "t" or "tb" or "tib" => 1L << 40,
            "p" or "pb" or "pib" => 1L << 50,
            _ => throw new ContainerException($"invalid value for {flag}: invalid size: '{s}'"),
        };
        return (long)(num * mult);
    }
}
