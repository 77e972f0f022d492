namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>The capability names skiff knows, by number (linux/capability.h up to CAP_CHECKPOINT_RESTORE).</summary>
internal static class CapabilityNames
{
    /// <summary>CAP_LAST_CAP of the table: the highest capability number skiff knows by name.</summary>
    public const int LastCap = 40;

    /// <summary>Names indexed by capability number, each with its "CAP_" prefix as the OCI spec spells them.</summary>
    public static readonly string[] All =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
        "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
        "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    private static readonly Dictionary<string, int> s_byName = BuildIndex();

    private static Dictionary<string, int> BuildIndex()
    {
        var d = new Dictionary<string, int>(All.Length, StringComparer.Ordinal);
        for (int i = 0; i < All.Length; i++) d[All[i]] = i;
        return d;
    }

    /// <summary>The number of <paramref name="name"/> (exact, case-sensitive as runc), or -1.</summary>
    public static int Lookup(string name) => s_byName.TryGetValue(name, out int v) ? v : -1;

    /// <summary>The name of capability <paramref name="cap"/>, or null beyond the table.</summary>
    public static string? Name(int cap) => cap >= 0 && cap < All.Length ? All[cap] : null;

    /// <summary>Names of the bits set in <paramref name="mask"/>, lowest first.</summary>
    public static List<string> Names(ulong mask)
    {
        var list = new List<string>();
        for (int i = 0; i < All.Length; i++)
            if ((mask & (1UL << i)) != 0) list.Add(All[i]);
        return list;
    }
}
