namespace Skiff.LibContainer;

/// <summary>OCI namespace types and their clone flags, /proc/PID/ns names and nsexec names.</summary>
internal static class Namespaces
{
    public const ulong CLONE_NEWNS = 0x00020000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000,
        CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000,
        CLONE_NEWNET = 0x40000000, CLONE_NEWTIME = 0x00000080;

    /// <summary>OCI type → (clone flag, name under /proc/PID/ns).</summary>
    public static (ulong Flag, string ProcName)? Info(string type) => type switch
    {
        "pid" => (CLONE_NEWPID, "pid"),
        "network" => (CLONE_NEWNET, "net"),
        "mount" => (CLONE_NEWNS, "mnt"),
        "ipc" => (CLONE_NEWIPC, "ipc"),
        "uts" => (CLONE_NEWUTS, "uts"),
        "user" => (CLONE_NEWUSER, "user"),
        "cgroup" => (CLONE_NEWCGROUP, "cgroup"),
        "time" => (CLONE_NEWTIME, "time"),
        _ => null,
    };

    /// <summary>The order runc joins namespaces in (user first).</summary>
    public static readonly string[] JoinOrder = ["user", "ipc", "uts", "network", "pid", "mount", "cgroup", "time"];

    /// <summary>The namespaces <paramref name="pathOf"/> gives a path for, as (name under /proc/PID/ns, path) in
    /// <see cref="JoinOrder"/>: what nsexec joins, for init (the spec's joined ones) and for exec (init's).</summary>
    public static List<(string ProcName, string Path)> InJoinOrder(Func<string, string?> pathOf)
    {
        var paths = new List<(string, string)>();
        foreach (string type in JoinOrder)
            if (pathOf(type) is { } path) paths.Add((Info(type)!.Value.ProcName, path));
        return paths;
    }
}
