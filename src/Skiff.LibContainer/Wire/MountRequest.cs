namespace Skiff.LibContainer.Wire;

/// <summary>The argument of procMountPlease: which source the parent should open, and how (runc sends the whole
/// configs.Mount; only these fields matter to mountFd).</summary>
internal sealed class MountRequest
{
    public string Source { get; set; } = "";
    /// <summary>MS_REC was asked (rbind): open_tree clones the whole tree.</summary>
    public bool Recursive { get; set; }
    /// <summary>Set for an idmapped mount (open_tree + MOUNT_ATTR_IDMAP); null for a plain O_PATH open.</summary>
    public MountIdMapping? IdMapping { get; set; }
}
