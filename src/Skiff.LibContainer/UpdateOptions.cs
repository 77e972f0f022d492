using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

/// <summary>
/// `update`'s flags (runc update.go). Each value given replaces the saved one; what is not given keeps its old
/// value. Sizes take docker's units.RAMInBytes suffixes (k, m, g, t, p with optional "b"/"ib", binary multiples);
/// "-1" is unlimited. The kernel memory flags are accepted and ignored with a warning, as runc does.
/// </summary>
public sealed class UpdateOptions
{
    public string? Memory, MemoryReservation, MemorySwap, KernelMemory, KernelMemoryTcp;
    public string? CpuShares, CpuPeriod, CpuQuota, CpuRtPeriod, CpuRtRuntime, CpusetCpus, CpusetMems, CpuIdle, CpuBurst;
    public int? PidsLimit, BlkioWeight;
    public string? L3CacheSchema, MemBwSchema;
    /// <summary>-r FILE ("-" for stdin): a LinuxResources JSON used instead of the flags.</summary>
    public LinuxResources? FromFile;
    /// <summary>Warnings to log (runc's logrus.Warn), filled by <see cref="Apply"/>.</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>Merges the options into <paramref name="r"/> (the saved resources, modified) and returns it.</summary>
    public LinuxResources Apply(LinuxResources? r)
    {
        r ??= new LinuxResources();
        var n = FromFile ?? FromFlags();
        if (n.Memory is { } nm)
        {
            if (nm.Kernel is not null || nm.KernelTcp is not null)
                Warnings.Add("Kernel memory settings are ignored and will be removed");
            if (nm.Limit == -1 && nm.Swap is null && r.Memory?.Swap is not null) nm.Swap = -1;
            if (nm.Limit is not null || nm.Reservation is not null || nm.Swap is not null || nm.Swappiness is not null)
            {
                var m = r.Memory ??= new LinuxMemory();
                m.Limit = nm.Limit ?? m.Limit;
                m.Reservation = nm.Reservation ?? m.Reservation;
                m.Swap = nm.Swap ?? m.Swap;
                m.Swappiness = nm.Swappiness ?? m.Swappiness;
            }
        }
        if (n.Cpu is { } nc)
        {
            var c = r.Cpu ??= new LinuxCpu();
            c.Shares = nc.Shares ?? c.Shares;
            c.Quota = nc.Quota ?? c.Quota;
            c.Period = nc.Period ?? c.Period;
            c.Burst = nc.Burst ?? c.Burst;
            c.RealtimePeriod = nc.RealtimePeriod ?? c.RealtimePeriod;
            c.RealtimeRuntime = nc.RealtimeRuntime ?? c.RealtimeRuntime;
            c.Cpus = string.IsNullOrEmpty(nc.Cpus) ? c.Cpus : nc.Cpus;
            c.Mems = string.IsNullOrEmpty(nc.Mems) ? c.Mems : nc.Mems;
            c.Idle = nc.Idle ?? c.Idle;
        }
        if (n.Pids?.Limit is long pl) (r.Pids ??= new LinuxPids()).Limit = pl;
        if (n.BlockIO?.Weight is ushort bw) (r.BlockIO ??= new LinuxBlockIO()).Weight = bw;
        if (n.Unified is { Count: > 0 } u) foreach (var (k, v) in u) (r.Unified ??= [])[k] = v;
        return r;
    }

    private LinuxResources FromFlags()
    {
        var r = new LinuxResources { Memory = new(), Cpu = new(), Pids = new(), BlockIO = new() };
        if (BlkioWeight is int w && w != 0) r.BlockIO.Weight = (ushort)w;
        if (!string.IsNullOrEmpty(CpusetCpus)) r.Cpu.Cpus = CpusetCpus;
        if (!string.IsNullOrEmpty(CpusetMems)) r.Cpu.Mems = CpusetMems;
        if (!string.IsNullOrEmpty(CpuIdle)) r.Cpu.Idle = I64(CpuIdle, "cpu-idle");
        if (!string.IsNullOrEmpty(CpuBurst)) r.Cpu.Burst = U64(CpuBurst, "cpu-burst");
        if (!string.IsNullOrEmpty(CpuPeriod)) r.Cpu.Period = U64(CpuPeriod, "cpu-period");
        if (!string.IsNullOrEmpty(CpuRtPeriod)) r.Cpu.RealtimePeriod = U64(CpuRtPeriod, "cpu-rt-period");
        if (!string.IsNullOrEmpty(CpuShares)) r.Cpu.Shares = U64(CpuShares, "cpu-share");
        if (!string.IsNullOrEmpty(CpuQuota)) r.Cpu.Quota = I64(CpuQuota, "cpu-quota");
        if (!string.IsNullOrEmpty(CpuRtRuntime)) r.Cpu.RealtimeRuntime = I64(CpuRtRuntime, "cpu-rt-runtime");
        if (!string.IsNullOrEmpty(Memory)) r.Memory.Limit = Size(Memory, "memory");
        if (!string.IsNullOrEmpty(MemorySwap)) r.Memory.Swap = Size(MemorySwap, "memory-swap");
        if (!string.IsNullOrEmpty(KernelMemory)) r.Memory.Kernel = Size(KernelMemory, "kernel-memory");
        if (!string.IsNullOrEmpty(KernelMemoryTcp)) r.Memory.KernelTcp = Size(KernelMemoryTcp, "kernel-memory-tcp");
        if (!string.IsNullOrEmpty(MemoryReservation)) r.Memory.Reservation = Size(MemoryReservation, "memory-reservation");
        if (PidsLimit is int p) r.Pids.Limit = p;
        return r;
    }

    private static ulong U64(string s, string flag) =>
        ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v
            : throw new ContainerException($"invalid value for {flag}: strconv.ParseUint: parsing \"{s}\": {GoNumError(s)}");

    private static long I64(string s, string flag) =>
        long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v
            : throw new ContainerException($"invalid value for {flag}: strconv.ParseInt: parsing \"{s}\": {GoNumError(s)}");

    private static string GoNumError(string s) =>
        s.Length > 0 && s.TrimStart('-', '+').All(char.IsAsciiDigit) && s.TrimStart('-', '+').Length > 0 ? "value out of range" : "invalid syntax";

    /// <summary>docker's units.RAMInBytes ("-1" is unlimited): a decimal number, optional space, optional unit.</summary>
    public static long Size(string s, string flag)
    {
        if (s == "-1") return -1;
        var err = new ContainerException($"invalid value for {flag}: invalid size: '{s}'");
        int i = 0;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        if (i == 0 || !double.TryParse(s[..i], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double num)) throw err;
        string unit = s[i..].TrimStart(' ').ToLowerInvariant();
        long mult = unit switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30,
            "t" or "tb" or "tib" => 1L << 40,
            "p" or "pb" or "pib" => 1L << 50,
            _ => throw err,
        };
        return (long)(num * mult);
    }
}
