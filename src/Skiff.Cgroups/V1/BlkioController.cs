using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// blkio: weights and throttles (runc fs/blkio.go). Kernels without CFQ only have the BFQ files
/// (blkio.bfq.weight, blkio.bfq.weight_device), picked when blkio.weight is missing.
/// </summary>
internal sealed class BlkioController : Controller
{
    public override string Name => "blkio";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        LinuxBlockIO? b = r.BlockIO;
        if (b is null) return;
        (string weightFile, string weightDeviceFile) = WeightFiles(fs, dir);

        if (b.Weight is ushort w && w != 0) fs.Write(dir, weightFile, w.ToString());
        if (b.LeafWeight is ushort lw && lw != 0) fs.Write(dir, "blkio.leaf_weight", lw.ToString());
        foreach (LinuxWeightDevice wd in b.WeightDevice ?? [])
        {
            if (wd.Weight is ushort dw && dw != 0)
                fs.Write(dir, weightDeviceFile, $"{wd.Major}:{wd.Minor} {dw}");
            if (wd.LeafWeight is ushort dlw && dlw != 0)
                fs.Write(dir, "blkio.leaf_weight_device", $"{wd.Major}:{wd.Minor} {dlw}");
        }
        Throttle(fs, dir, "blkio.throttle.read_bps_device", b.ThrottleReadBpsDevice);
        Throttle(fs, dir, "blkio.throttle.write_bps_device", b.ThrottleWriteBpsDevice);
        Throttle(fs, dir, "blkio.throttle.read_iops_device", b.ThrottleReadIopsDevice);
        Throttle(fs, dir, "blkio.throttle.write_iops_device", b.ThrottleWriteIopsDevice);
    }

    /// <summary>runc's detectWeightFilenames: the BFQ files where the kernel has them, else CFQ's blkio.weight (which
    /// a kernel with neither scheduler lacks too: writing a weight then fails naming blkio.weight).</summary>
    internal static (string Weight, string WeightDevice) WeightFiles(CgroupFs fs, string? dir) =>
        dir is not null && fs.Exists(dir, "blkio.bfq.weight")
            ? ("blkio.bfq.weight", "blkio.bfq.weight_device")
            : ("blkio.weight", "blkio.weight_device");

    private static void Throttle(CgroupFs fs, string? dir, string file, List<LinuxThrottleDevice>? devices)
    {
        foreach (LinuxThrottleDevice d in devices ?? []) fs.Write(dir, file, $"{d.Major}:{d.Minor} {d.Rate}");
    }
}
