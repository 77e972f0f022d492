using System.Globalization;
using Skiff.Cgroups.Devices;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V2;

/// <summary>Resource writing, in runc's fs2 order: pids, memory, io, cpu, devices, cpuset, hugetlb, rdma, unified.</summary>
public sealed partial class Manager
{
    private HashSet<string>? _controllers;

    /// <summary>
    /// Writes the resources' limits. A null section is left as it is; null <c>Devices</c> leaves the device
    /// program as it is, while a list (even empty: deny all) replaces it. Values follow runc's conversions
    /// (<see cref="Conversions"/>); <c>Unified</c> is written last, so it wins.
    /// </summary>
    public void Set(LinuxResources? r)
    {
        if (r is null) return;
        _controllers = ReadControllers();
        SetPids(r);
        SetMemory(r);
        SetIo(r);
        SetCpu(r);
        if (r.Devices is not null) DeviceFilter.Apply(Dir, DeviceRule.FromSpec(r.Devices));
        SetCpuset(r);
        SetHugetlb(r);
        SetRdma(r);
        SetUnified(r.Unified);
    }

    /// <summary>The controllers enabled for this cgroup (cgroup.controllers), or null when that file is missing.</summary>
    private HashSet<string>? ReadControllers()
    {
        string? text = CgroupFiles.TryRead(Dir, "cgroup.controllers");
        return text is null ? null : new HashSet<string>(text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private void Require(string controller, string what)
    {
        if (_controllers is not null && !_controllers.Contains(controller))
            throw NotAvailable(controller, what, null);
    }

    private CgroupV2Exception NotAvailable(string controller, string what, Exception? inner) =>
        new($"cannot set {what}: controller \"{controller}\" is not available in {Dir} (it is not enabled in the parent's cgroup.subtree_control)", inner);

    /// <summary>Writes a controller file; a missing file means the controller is not enabled here.</summary>
    private void Write(string controller, string what, string file, string data)
    {
        Errno e = CgroupFiles.TryWrite(Dir, file, data, out Exception? err);
        if (e == Errno.OK) return;
        if (e == Errno.ENOENT) throw NotAvailable(controller, what, err);
        throw err!;
    }

    private static string Str(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Str(ulong v) => v.ToString(CultureInfo.InvariantCulture);

    private void SetPids(LinuxResources r)
    {
        if (r.Pids?.Limit is not long limit) return;
        Require("pids", "pids limit");
        Write("pids", "pids limit", "pids.max", V1.PidsController.PidsMax(limit));
    }

    private static bool IsMemorySet(LinuxResources r) =>
        r.Memory is { } m && ((m.Limit ?? 0) != 0 || (m.Reservation ?? 0) != 0 || (m.Swap ?? 0) != 0);

    private void SetMemory(LinuxResources r)
    {
        if (!IsMemorySet(r)) return;
        LinuxMemory m = r.Memory!;
        long memory = m.Limit ?? 0, swap = m.Swap ?? 0, reservation = m.Reservation ?? 0;
        Require("memory", "memory limits");
        if (m.CheckBeforeUpdate == true && memory > 0 &&
            CgroupFiles.TryRead(Dir, "memory.current") is { } cur && ulong.TryParse(cur.Trim(), out ulong usage) &&
            usage >= (ulong)memory)
            throw new CgroupV2Exception($"rejecting memory limit {memory} below the current usage {usage}");

        long swapV2 = Conversions.MemorySwapToV2(swap, memory);
        string swapStr = Conversions.NumToStr(swapV2);
        if (swapStr.Length == 0 && swapV2 == 0 && swap > 0) swapStr = "0"; // swap == limit: no swap at all
        if (swapStr.Length > 0)
        {
            Errno e = CgroupFiles.TryWrite(Dir, "memory.swap.max", swapStr, out Exception? err);
            // Without swap accounting the file is missing: "max" or "0" is then what we have anyway.
            if (e != Errno.OK && !(e == Errno.ENOENT && swapStr is "max" or "0")) throw err!;
        }
        if (Conversions.NumToStr(memory) is { Length: > 0 } max) Write("memory", "memory limits", "memory.max", max);
        if (Conversions.NumToStr(reservation) is { Length: > 0 } low) Write("memory", "memory limits", "memory.low", low);
    }

    private static bool IsIoSet(LinuxResources r) => r.BlockIO is { } b &&
        ((b.Weight ?? 0) != 0 || b.WeightDevice is { Count: > 0 } || b.ThrottleReadBpsDevice is { Count: > 0 } ||
         b.ThrottleWriteBpsDevice is { Count: > 0 } || b.ThrottleReadIopsDevice is { Count: > 0 } ||
         b.ThrottleWriteIopsDevice is { Count: > 0 });

    private void SetIo(LinuxResources r)
    {
        if (!IsIoSet(r)) return;
        LinuxBlockIO b = r.BlockIO!;
        Require("io", "io limits");
        ushort weight = b.Weight ?? 0;
        // BFQ's io.bfq.weight takes blkio's 1..1000 scale as is; io.weight (1..10000) needs the conversion.
        bool bfq = (weight != 0 || b.WeightDevice is { Count: > 0 }) && File.Exists(Path.Combine(Dir, "io.bfq.weight"));
        if (weight != 0)
        {
            if (bfq) Write("io", "io weight", "io.bfq.weight", Str((ulong)weight));
            else Write("io", "io weight", "io.weight", Str(Conversions.BlkioWeightToIoWeight(weight)));
        }
        // Per-device BFQ weights need a kernel whose io.bfq.weight reads "default N" (5.4+), not a bare number.
        if (bfq && b.WeightDevice is { Count: > 0 } &&
            !long.TryParse(CgroupFiles.Read(Dir, "io.bfq.weight").Trim(), out _))
        {
            foreach (LinuxWeightDevice wd in b.WeightDevice)
            {
                if (wd.Weight is not ushort w) continue;
                string line = $"{wd.Major}:{wd.Minor} {w}";
                Errno e = CgroupFiles.TryWrite(Dir, "io.bfq.weight", line + "\n", out Exception? err);
                if (e != Errno.OK) throw new CgroupV2Exception($"setting device weight \"{line}\"", err);
            }
        }
        WriteThrottle(b.ThrottleReadBpsDevice, "rbps");
        WriteThrottle(b.ThrottleWriteBpsDevice, "wbps");
        WriteThrottle(b.ThrottleReadIopsDevice, "riops");
        WriteThrottle(b.ThrottleWriteIopsDevice, "wiops");
    }

    private void WriteThrottle(List<LinuxThrottleDevice>? devices, string key)
    {
        if (devices is null) return;
        foreach (LinuxThrottleDevice td in devices)
            Write("io", "io limits", "io.max", $"{td.Major}:{td.Minor} {key}={td.Rate}");
    }

    private static bool IsCpuSet(LinuxResources r) => r.Cpu is { } c &&
        ((c.Shares ?? 0) != 0 || (c.Quota ?? 0) != 0 || (c.Period ?? 0) != 0 || c.Idle is not null || c.Burst is not null);

    private void SetCpu(LinuxResources r)
    {
        if (r.Cpu is { } rt && ((rt.RealtimeRuntime ?? 0) != 0 || (rt.RealtimePeriod ?? 0) != 0))
            Log.Warn("cpu.realtimeRuntime and cpu.realtimePeriod are not supported with cgroup v2; ignored");
        if (!IsCpuSet(r)) return;
        LinuxCpu c = r.Cpu!;
        Require("cpu", "cpu limits");
        if (c.Idle is long idle) Write("cpu", "cpu.idle", "cpu.idle", Str(idle));
        ulong weight = Conversions.CpuSharesToWeight(c.Shares ?? 0);
        if (weight != 0) Write("cpu", "cpu weight", "cpu.weight", Str(weight));

        long quota = c.Quota ?? 0;
        ulong period = c.Period ?? 0;
        string? burst = null;
        if (c.Burst is ulong b)
        {
            burst = Str(b);
            Errno e = CgroupFiles.TryWrite(Dir, "cpu.max.burst", burst, out Exception? err);
            if (e == Errno.OK) burst = null;
            // A burst larger than the current quota allows is refused (EINVAL); retry after setting the quota.
            else if (e != Errno.EINVAL || quota == 0) throw e == Errno.ENOENT ? NotAvailable("cpu", "cpu burst", err) : err!;
        }
        if (quota != 0 || period != 0)
        {
            string max = quota > 0 ? Str(quota) : "max";
            if (period != 0) max += " " + Str(period);
            Write("cpu", "cpu quota", "cpu.max", max);
            if (burst is not null) Write("cpu", "cpu burst", "cpu.max.burst", burst);
        }
    }

    private void SetCpuset(LinuxResources r)
    {
        string? cpus = r.Cpu?.Cpus, mems = r.Cpu?.Mems;
        if (string.IsNullOrEmpty(cpus) && string.IsNullOrEmpty(mems)) return;
        Require("cpuset", "cpuset");
        if (!string.IsNullOrEmpty(cpus)) Write("cpuset", "cpuset", "cpuset.cpus", cpus);
        if (!string.IsNullOrEmpty(mems)) Write("cpuset", "cpuset", "cpuset.mems", mems);
    }

    private void SetHugetlb(LinuxResources r)
    {
        if (r.HugepageLimits is not { Count: > 0 } limits) return;
        Require("hugetlb", "hugepage limits");
        bool skipRsvd = false;
        foreach (LinuxHugepageLimit l in limits)
        {
            string prefix = "hugetlb." + l.PageSize, val = Str(l.Limit);
            Write("hugetlb", $"hugepage limit {l.PageSize}", prefix + ".max", val);
            if (skipRsvd) continue;
            // The reservation limit (5.7+) follows the usage limit where the kernel has it.
            Errno e = CgroupFiles.TryWrite(Dir, prefix + ".rsvd.max", val, out Exception? err);
            if (e == Errno.ENOENT) skipRsvd = true;
            else if (e != Errno.OK) throw err!;
        }
    }

    private void SetRdma(LinuxResources r)
    {
        if (r.Rdma is not { Count: > 0 } rdma) return;
        Require("rdma", "rdma limits");
        foreach ((string device, LinuxRdma limits) in rdma)
        {
            string line = device;
            if (limits.HcaHandles is uint h) line += " hca_handle=" + Str((ulong)h);
            if (limits.HcaObjects is uint o) line += " hca_object=" + Str((ulong)o);
            Write("rdma", "rdma limits", "rdma.max", line);
        }
    }

    private void SetUnified(Dictionary<string, string>? unified)
    {
        if (unified is null) return;
        foreach ((string key, string value) in unified)
        {
            if (key.Contains('/')) throw new CgroupV2Exception($"unified resource \"{key}\" must be a file name (no slashes)");
            if (key is "." or ".." || key.Length == 0) throw new CgroupV2Exception($"unified resource \"{key}\" is not a valid file name");
            Errno e = WriteLines(key, value, out Exception? err);
            if (e == Errno.OK) continue;
            if (e is Errno.ENOENT or Errno.EPERM)
            {
                int dot = key.IndexOf('.');
                if (dot <= 0) throw new CgroupV2Exception($"unified resource \"{key}\" must be in the form CONTROLLER.PARAMETER", err);
                string c = key[..dot];
                if (c != "cgroup" && (_controllers is null || !_controllers.Contains(c)))
                    throw new CgroupV2Exception($"unified resource \"{key}\" can't be set: controller \"{c}\" not available", err);
            }
            throw err!;
        }
    }

    /// <summary>Writes a multi-line value one line per write(2), as the kernel takes e.g. io.max one device at a time.</summary>
    private Errno WriteLines(string file, string value, out Exception? err)
    {
        err = null;
        string[] lines = value.Split('\n');
        bool any = false;
        foreach (string line in lines)
        {
            if (line.Length == 0) continue;
            any = true;
            Errno e = CgroupFiles.TryWrite(Dir, file, line, out err);
            if (e != Errno.OK) return e;
        }
        return any ? Errno.OK : CgroupFiles.TryWrite(Dir, file, value, out err);
    }
}
