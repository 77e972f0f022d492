using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>
/// The kernel's namespaces: the one table of their OCI type, their name under /proc/PID/ns (also nsexec's and
/// criu's name) and their clone flag, in the order runc joins them (user first: configs.NamespaceTypes()).
/// </summary>
internal static class Namespaces
{
    /// <summary>One namespace: OCI type ("mount"), /proc/PID/ns and nsexec name ("mnt"), CLONE_NEW* flag.</summary>
    public readonly record struct Kind(string Type, string ProcName, int Flag);

    /// <summary>Every namespace, in join order.</summary>
    public static readonly Kind[] All =
    [
        new("user", "user", Libc.CLONE_NEWUSER),
        new("ipc", "ipc", Libc.CLONE_NEWIPC),
        new("uts", "uts", Libc.CLONE_NEWUTS),
        new("network", "net", Libc.CLONE_NEWNET),
        new("pid", "pid", Libc.CLONE_NEWPID),
        new("mount", "mnt", Libc.CLONE_NEWNS),
        new("cgroup", "cgroup", Libc.CLONE_NEWCGROUP),
        new("time", "time", Libc.CLONE_NEWTIME),
    ];

    /// <summary>The namespace of OCI type <paramref name="type"/>, or null when there is none.</summary>
    public static Kind? Of(string type)
    {
        foreach (var k in All)
            if (k.Type == type) return k;
        return null;
    }

    /// <summary>Where the namespace named <paramref name="procName"/> ("mnt") comes in join order; -1 when unknown.</summary>
    public static int JoinIndexOfProcName(string procName) => Array.FindIndex(All, k => k.ProcName == procName);

    /// <summary>The namespaces <paramref name="pathOf"/> gives a path for (by OCI type), as (name under /proc/PID/ns,
    /// path) in join order: what nsexec joins, for init (the spec's joined ones) and for exec (init's).</summary>
    public static List<(string ProcName, string Path)> InJoinOrder(Func<string, string?> pathOf)
    {
        var paths = new List<(string, string)>();
        foreach (var k in All)
            if (pathOf(k.Type) is { } path) paths.Add((k.ProcName, path));
        return paths;
    }
}
