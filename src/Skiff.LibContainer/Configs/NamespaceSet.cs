using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Configs;

/// <summary>
/// The container's namespaces as linux.namespaces asks for them: which types it has, which of them are new and
/// which are joined by path. Derived once from the validated spec (<see cref="Of"/>, which makes specconv's checks)
/// and passed on: validation, create (state.json's namespace_paths), the bootstrap (clone flags, paths to join)
/// and, inside <see cref="Wire.InitConfig"/>, init; a loaded container derives it once from its stored config.
/// </summary>
public sealed class NamespaceSet
{
    /// <summary>No namespaces: everything is the host's.</summary>
    public static readonly NamespaceSet None = new([]);

    /// <param name="entries">Types known and none twice (as <see cref="Of"/> ensures); an empty path means new.</param>
    public NamespaceSet(IReadOnlyList<LinuxNamespace> entries) => Entries = entries;

    /// <summary>The namespaces in the spec's order (state.json lists them so).</summary>
    public IReadOnlyList<LinuxNamespace> Entries { get; }

    /// <summary>specconv's checks: every type known (`namespace {"foo" ""} does not exist`), none twice
    /// (`malformed spec file: duplicated ns {...}`).</summary>
    public static NamespaceSet Of(RuntimeSpec.Linux? linux)
    {
        if (linux?.Namespaces is not { Count: > 0 } list) return None;
        var entries = new List<LinuxNamespace>(list.Count);
        foreach (var ns in list)
        {
            string shown = "{\"" + ns.Type + "\" \"" + (ns.Path ?? "") + "\"}";
            if (Namespaces.Of(ns.Type) is null) throw new ContainerException($"namespace {shown} does not exist");
            if (entries.Exists(e => e.Type == ns.Type)) throw new ContainerException($"malformed spec file: duplicated ns {shown}");
            entries.Add(new LinuxNamespace { Type = ns.Type, Path = string.IsNullOrEmpty(ns.Path) ? null : ns.Path });
        }
        return new NamespaceSet(entries);
    }

    private LinuxNamespace? Find(string type)
    {
        foreach (var ns in Entries)
            if (ns.Type == type) return ns;
        return null;
    }

    /// <summary>The container has its own namespace of <paramref name="type"/> (new or joined).</summary>
    public bool Has(string type) => Find(type) is not null;

    /// <summary>The container gets a new namespace of <paramref name="type"/> (no path given).</summary>
    public bool IsNew(string type) => Find(type) is { Path: null or "" };

    /// <summary>The path of the namespace of <paramref name="type"/> to join, or null (new, or none).</summary>
    public string? JoinedPath(string type) => Find(type)?.Path is { Length: > 0 } path ? path : null;

    /// <summary>The clone flags of the new namespaces (what nsexec unshares).</summary>
    public int CloneFlags
    {
        get
        {
            int flags = 0;
            foreach (var ns in Entries)
                if (string.IsNullOrEmpty(ns.Path)) flags |= Namespaces.Of(ns.Type)!.Value.Flag;
            return flags;
        }
    }

    /// <summary>The joined namespaces as (name under /proc/PID/ns, path), in the order runc joins them (user first).</summary>
    public List<(string ProcName, string Path)> JoinPaths() => Namespaces.InJoinOrder(JoinedPath);

    /// <summary>state.json's namespace_paths for init <paramref name="pid"/>: a new namespace is init's, a joined one
    /// its path.</summary>
    public Dictionary<string, string> StatePaths(int pid)
    {
        var paths = new Dictionary<string, string>(Entries.Count);
        string pidText = pid.ToString(CultureInfo.InvariantCulture);
        foreach (var ns in Entries)
            paths[ns.Type] = string.IsNullOrEmpty(ns.Path) ? $"/proc/{pidText}/ns/{Namespaces.Of(ns.Type)!.Value.ProcName}" : ns.Path;
        return paths;
    }
}
