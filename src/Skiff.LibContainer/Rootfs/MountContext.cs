using Skiff.LibContainer.Init;

namespace Skiff.LibContainer.Rootfs;

/// <summary>What every mount needs to know beyond the mount itself (runc's mountConfig).</summary>
internal sealed record MountContext(
    string Rootfs,
    bool CgroupNs,
    bool UserNs,
    bool NetNs,
    IReadOnlyDictionary<string, string>? CgroupPaths)
{
    public static MountContext From(InitConfig cfg)
    {
        var ns = cfg.Spec.Linux?.Namespaces ?? [];
        bool Has(string t) => ns.Any(n => n.Type == t);
        return new MountContext(
            MountEntry.CleanPath(cfg.Rootfs),
            Has("cgroup"),
            Has("user") || Devices.RunningInUserNs(),
            Has("network"),
            cfg.CgroupPaths);
    }
}
