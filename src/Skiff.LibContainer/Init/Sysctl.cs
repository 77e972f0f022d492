using System.Text;
using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Init;

/// <summary>
/// linux.sysctl: writing the values under /proc/sys in the container (validation: Configs/Validate.Sysctl).
/// </summary>
internal static class Sysctl
{
    /// <summary>sysctl(8) accepts '/' as the separator: "net/ipv4/conf/eno2.100/rp_filter" is
    /// "net.ipv4.conf.eno2/100.rp_filter" (runc's convertSysctlVariableToDotsSeparator).</summary>
    public static string ToDots(string key)
    {
        int i = key.IndexOfAny(['.', '/']);
        if (i < 0 || key[i] == '.') return key;
        var sb = new StringBuilder(key.Length);
        foreach (char c in key) sb.Append(c switch { '.' => '/', '/' => '.', _ => c });
        return sb.ToString();
    }

    /// <summary>The /proc/sys file of a sysctl key (either separator style).</summary>
    public static string KeyPath(string key)
    {
        string dots = ToDots(key);
        // In the dotted form a '/' stands for a '.' inside one component (an interface name like eno2.100).
        var parts = dots.Split('.').Select(p => p.Replace('/', '.')).ToArray();
        foreach (string p in parts)
            if (p.Length == 0 || p == ".." || p == ".")
                throw new ContainerException($"invalid sysctl key \"{key}\"");
        return "/proc/sys/" + string.Join('/', parts);
    }

    /// <summary>Writes each value to its /proc/sys file through the verified procfs handle (the container's own
    /// /proc may be covered by its mounts; CVE-2025-52881), before maskedPaths and readonlyPaths.</summary>
    public static void Apply(IReadOnlyDictionary<string, string>? sysctl)
    {
        if (sysctl is null) return;
        foreach (var (key, value) in sysctl)
            ProcfsHandle.Shared.Write(KeyPath(key)["/proc/".Length..], value);
    }
}
