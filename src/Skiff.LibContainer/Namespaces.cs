using Skiff.RuntimeSpec;

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

    public static bool Has(Spec spec, string type) =>
        spec.Linux?.Namespaces?.Any(n => n.Type == type) == true;

    public static bool IsNew(Spec spec, string type) =>
        spec.Linux?.Namespaces?.Any(n => n.Type == type && string.IsNullOrEmpty(n.Path)) == true;
}
