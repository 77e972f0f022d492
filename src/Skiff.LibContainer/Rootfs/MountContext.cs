using Skiff.LibContainer.Wire;
using Skiff.Linux;

namespace Skiff.LibContainer.Rootfs;

/// <summary>What every mount needs to know beyond the mount itself (runc's mountConfig): the root as an fd, the
/// namespaces, the cgroup paths, and /proc/self/mountinfo read at most once.</summary>
internal sealed record MountContext(
    RootDir Root,
    bool CgroupNs,
    bool UserNs,
    bool NetNs,
    IReadOnlyDictionary<string, string>? CgroupPaths)
{
    private List<MountInfoEntry>? _mountInfo;

    public static MountContext From(InitConfig cfg, RootDir root)
    {
        var ns = cfg.Namespaces;
        return new MountContext(
            root,
            ns.Has("cgroup"),
            ns.Has("user") || UserNamespace.RunningInUserNs(),
            ns.Has("network"),
            cfg.CgroupPaths);
    }

    /// <summary>The mount table as it was when first asked for (the mounts skiff adds later are not in it).</summary>
    public List<MountInfoEntry> MountInfo() => _mountInfo ??= MountInfoEntry.Read();
}
