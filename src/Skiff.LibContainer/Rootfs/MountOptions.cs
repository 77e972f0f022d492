using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// A spec mount's options split as runc's specconv parseMountOptions does: mount(2) flags (and the flags the user
/// explicitly cleared), propagation flags applied after the mount, mount_setattr(2) recursive attributes (rro,
/// rnosuid, ...), extensions (tmpcopyup), idmap, and everything else joined with "," as filesystem data.
/// </summary>
internal sealed class MountOptions
{
    public ulong Flags { get; private set; }
    public ulong ClearedFlags { get; private set; }
    public List<ulong> PropagationFlags { get; } = [];
    public string Data { get; private set; } = "";
    public ulong RecAttrSet { get; private set; }
    public ulong RecAttrClr { get; private set; }
    public bool HasRecAttr => RecAttrSet != 0 || RecAttrClr != 0;
    /// <summary>"tmpcopyup": copy the directory's contents into the new tmpfs (<see cref="TmpfsCopyUp"/>).</summary>
    public bool TmpCopyUp { get; private set; }
    /// <summary>"idmap"/"ridmap": an idmapped mount (with the container's mappings unless the mount has its own).</summary>
    public bool IdMap { get; private set; }
    /// <summary>"ridmap": the mapping applies to every mount of the (rbind) tree.</summary>
    public bool IdMapRecursive { get; private set; }
    public bool IsBind => (Flags & MS_BIND) != 0;

    private static readonly Dictionary<string, (bool Clear, ulong Flag)> s_flags = new()
    {
        ["async"] = (true, MS_SYNCHRONOUS),
        ["atime"] = (true, MS_NOATIME),
        ["bind"] = (false, MS_BIND),
        ["defaults"] = (false, 0),
        ["dev"] = (true, MS_NODEV),
        ["diratime"] = (true, MS_NODIRATIME),
        ["dirsync"] = (false, MS_DIRSYNC),
        ["exec"] = (true, MS_NOEXEC),
        ["iversion"] = (false, MS_I_VERSION),
        ["lazytime"] = (false, MS_LAZYTIME),
        ["loud"] = (true, MS_SILENT),
        ["mand"] = (false, MS_MANDLOCK),
        ["noatime"] = (false, MS_NOATIME),
        ["nodev"] = (false, MS_NODEV),
        ["nodiratime"] = (false, MS_NODIRATIME),
        ["noexec"] = (false, MS_NOEXEC),
        ["noiversion"] = (true, MS_I_VERSION),
        ["nolazytime"] = (true, MS_LAZYTIME),
        ["nomand"] = (true, MS_MANDLOCK),
        ["norelatime"] = (true, MS_RELATIME),
        ["nostrictatime"] = (true, MS_STRICTATIME),
        ["nosuid"] = (false, MS_NOSUID),
        ["nosymfollow"] = (false, MS_NOSYMFOLLOW),
        ["rbind"] = (false, MS_BIND | MS_REC),
        ["relatime"] = (false, MS_RELATIME),
        ["remount"] = (false, MS_REMOUNT),
        ["ro"] = (false, MS_RDONLY),
        ["rw"] = (true, MS_RDONLY),
        ["silent"] = (false, MS_SILENT),
        ["strictatime"] = (false, MS_STRICTATIME),
        ["suid"] = (true, MS_NOSUID),
        ["sync"] = (false, MS_SYNCHRONOUS),
        ["symfollow"] = (true, MS_NOSYMFOLLOW),
    };

    /// <summary>runc's mountPropagationMapping (also used for linux.rootfsPropagation).</summary>
    public static readonly IReadOnlyDictionary<string, ulong> Propagation = new Dictionary<string, ulong>
    {
        ["rprivate"] = MS_PRIVATE | MS_REC,
        ["private"] = MS_PRIVATE,
        ["rslave"] = MS_SLAVE | MS_REC,
        ["slave"] = MS_SLAVE,
        ["rshared"] = MS_SHARED | MS_REC,
        ["shared"] = MS_SHARED,
        ["runbindable"] = MS_UNBINDABLE | MS_REC,
        ["unbindable"] = MS_UNBINDABLE,
    };

    private static readonly Dictionary<string, (bool Clear, ulong Attr)> s_recAttrs = new()
    {
        ["rro"] = (false, MOUNT_ATTR_RDONLY),
        ["rrw"] = (true, MOUNT_ATTR_RDONLY),
        ["rnosuid"] = (false, MOUNT_ATTR_NOSUID),
        ["rsuid"] = (true, MOUNT_ATTR_NOSUID),
        ["rnodev"] = (false, MOUNT_ATTR_NODEV),
        ["rdev"] = (true, MOUNT_ATTR_NODEV),
        ["rnoexec"] = (false, MOUNT_ATTR_NOEXEC),
        ["rexec"] = (true, MOUNT_ATTR_NOEXEC),
        ["rnodiratime"] = (false, MOUNT_ATTR_NODIRATIME),
        ["rdiratime"] = (true, MOUNT_ATTR_NODIRATIME),
        ["rrelatime"] = (false, MOUNT_ATTR_RELATIME),
        ["rnorelatime"] = (true, MOUNT_ATTR_RELATIME),
        ["rnoatime"] = (false, MOUNT_ATTR_NOATIME),
        ["ratime"] = (true, MOUNT_ATTR_NOATIME),
        ["rstrictatime"] = (false, MOUNT_ATTR_STRICTATIME),
        ["rnostrictatime"] = (true, MOUNT_ATTR_STRICTATIME),
        ["rnosymfollow"] = (false, MOUNT_ATTR_NOSYMFOLLOW),
        ["rsymfollow"] = (true, MOUNT_ATTR_NOSYMFOLLOW),
    };

    /// <summary>All option names runc knows (for `features`).</summary>
    public static IEnumerable<string> Known =>
        s_flags.Keys.Concat(Propagation.Keys).Concat(s_recAttrs.Keys).Append("tmpcopyup").Order(StringComparer.Ordinal);

    public static MountOptions Parse(IEnumerable<string>? options)
    {
        var m = new MountOptions();
        var data = new List<string>();
        foreach (string o in options ?? [])
        {
            // "defaults" has no flag, so (as in runc) it ends up in the data and most filesystems refuse it.
            if (s_flags.TryGetValue(o, out var f) && f.Flag != 0)
            {
                if (f.Clear) { m.Flags &= ~f.Flag; m.ClearedFlags |= f.Flag; }
                else { m.Flags |= f.Flag; m.ClearedFlags &= ~f.Flag; }
            }
            else if (Propagation.TryGetValue(o, out ulong p))
            {
                m.PropagationFlags.Add(p);
            }
            else if (s_recAttrs.TryGetValue(o, out var r))
            {
                if (r.Clear) { m.RecAttrClr |= r.Attr; m.RecAttrSet &= ~r.Attr; }
                else
                {
                    // mount_setattr(2): an atime mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr, and only one
                    // mode can be set: a later one replaces an earlier one.
                    bool atimeMode = (r.Attr & MOUNT_ATTR__ATIME) == r.Attr;
                    if (atimeMode) m.RecAttrSet &= ~MOUNT_ATTR__ATIME;
                    m.RecAttrSet |= r.Attr;
                    m.RecAttrClr &= ~r.Attr;
                    if (atimeMode) m.RecAttrClr |= MOUNT_ATTR__ATIME;
                }
            }
            else if (o == "tmpcopyup") m.TmpCopyUp = true;
            else if (o is "idmap" or "ridmap")
            {
                m.IdMap = true;
                m.IdMapRecursive = o == "ridmap";
            }
            else data.Add(o);
        }
        m.Data = string.Join(",", data);
        return m;
    }
}
