using Skiff.LibContainer.Wire;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// One mount as libcontainer sees it (runc's configs.Mount from specconv's createLibcontainerMount): the device is
/// "bind" whenever the options hold bind/rbind (the spec's type is then meaningless), and a relative bind source
/// is taken relative to the bundle.
/// </summary>
internal sealed class MountEntry
{
    public string Source { get; init; } = "";
    public string Destination { get; init; } = "";
    public string Device { get; init; } = "";
    public ulong Flags { get; init; }
    public ulong ClearedFlags { get; init; }
    public IReadOnlyList<ulong> PropagationFlags { get; init; } = [];
    public string Data { get; init; } = "";
    public ulong RecAttrSet { get; init; }
    public ulong RecAttrClr { get; init; }
    public bool TmpCopyUp { get; init; }
    /// <summary>Set for an idmapped mount.</summary>
    public MountIdMapping? IdMapping { get; init; }
    /// <summary>The source fd the parent made for this mount (procMountFd), while it is being mounted.</summary>
    public MountSource? Src { get; set; }

    public bool HasRecAttr => RecAttrSet != 0 || RecAttrClr != 0;
    public bool IsDev => CleanPath(Destination) == "/dev";

    /// <param name="m">The spec's mount.</param>
    /// <param name="bundle">Relative bind sources are taken relative to it.</param>
    /// <param name="linux">The spec's linux section and <paramref name="namespaces"/> the container's namespaces:
    /// "idmap"/"ridmap" without mappings take the container's user namespace, joined by path or with its mappings
    /// (specconv); without them such a mount carries no mappings.</param>
    /// <param name="namespaces">See <paramref name="linux"/>.</param>
    public static MountEntry FromSpec(RuntimeSpec.Mount m, string bundle, RuntimeSpec.Linux? linux = null,
        Configs.NamespaceSet? namespaces = null)
    {
        var o = MountOptions.Parse(m.Options);
        string device = m.Type ?? "";
        string source = m.Source ?? "";
        if (o.IsBind)
        {
            device = "bind";
            if (!source.StartsWith('/') && bundle.Length > 0) source = Path.Join(bundle, source);
        }
        if (source.Contains('\0') || m.Destination.Contains('\0') || device.Contains('\0'))
            throw new ContainerException("mount field contains null byte");
        MountIdMapping? idmap = null;
        if (o.IdMap || m.UidMappings is not null || m.GidMappings is not null)
        {
            idmap = new MountIdMapping { Recursive = o.IdMapRecursive, UidMappings = m.UidMappings, GidMappings = m.GidMappings };
            if (m.UidMappings is null && m.GidMappings is null && namespaces?.Has("user") == true)
            {
                if (namespaces.JoinedPath("user") is { } userNsPath) idmap.UserNsPath = userNsPath;
                else
                {
                    idmap.UidMappings = linux?.UidMappings;
                    idmap.GidMappings = linux?.GidMappings;
                }
            }
        }
        return new MountEntry
        {
            Source = source,
            Destination = m.Destination,
            Device = device,
            Flags = o.Flags,
            ClearedFlags = o.ClearedFlags,
            PropagationFlags = o.PropagationFlags,
            Data = o.Data,
            RecAttrSet = o.RecAttrSet,
            RecAttrClr = o.RecAttrClr,
            TmpCopyUp = o.TmpCopyUp,
            IdMapping = idmap,
        };
    }

    /// <summary>Go's filepath.Clean for absolute paths, with a relative path taken as relative to "/"
    /// (runc's utils.CleanPath).</summary>
    public static string CleanPath(string path)
    {
        if (path.Length == 0) return "";
        var parts = new List<string>();
        foreach (string p in path.Split('/'))
        {
            if (p.Length == 0 || p == ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    /// <summary>mount(2) flags for error messages as runc prints them (hex).</summary>
    public static string FlagsHex(ulong flags) => "0x" + flags.ToString("x");
}
