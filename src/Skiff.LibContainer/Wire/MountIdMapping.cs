using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Wire;

/// <summary>
/// The id mapping of an idmapped mount (runc's configs.MountIDMapping): the mount's own uidMappings/gidMappings,
/// or, for "idmap"/"ridmap" without them, the container's (or, when the container joins a user namespace, that
/// namespace's path). Recursive ("ridmap") applies MOUNT_ATTR_IDMAP to every mount of an rbind tree.
/// </summary>
internal sealed class MountIdMapping
{
    public List<LinuxIdMapping>? UidMappings { get; set; }
    public List<LinuxIdMapping>? GidMappings { get; set; }
    public string? UserNsPath { get; set; }
    public bool Recursive { get; set; }
}
