using System.Text;
using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Init;

/// <summary>
/// linux.sysctl: validation as runc's configs/validate (only namespaced sysctls, and only when the container has
/// that namespace) and writing the values under /proc/sys in the container.
/// </summary>
internal static class Sysctl
{
    private static readonly HashSet<string> s_ipc =
    [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    ];

    /// <summary>
    /// Throws when a sysctl is not allowed with the given namespaces (spec linux.namespaces). A "network" namespace
    /// given by path counts as the host's when it is the caller's own netns.
    /// </summary>
    public static void Validate(IReadOnlyDictionary<string, string>? sysctl, IReadOnlyList<LinuxNamespace>? namespaces)
    {
        if (sysctl is null || sysctl.Count == 0) return;
        var ns = namespaces ?? [];
        bool Has(string t) => ns.Any(n => n.Type == t);
        bool? hostNet = null;

        foreach (string key in sysctl.Keys)
        {
            string s = ToDots(key);
            if (s_ipc.Contains(s) || s.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            {
                if (Has("ipc")) continue;
                throw new ContainerException($"sysctl \"{s}\" is not allowed in the hosts ipc namespace");
            }
            if (s.StartsWith("net.", StringComparison.Ordinal))
            {
                hostNet ??= IsHostNet(ns);
                if (hostNet.Value) throw new ContainerException($"sysctl \"{s}\" not allowed in host network namespace");
                continue;
            }
            if (Has("uts"))
            {
                if (s == "kernel.domainname") continue;
                if (s == "kernel.hostname")
                    throw new ContainerException($"sysctl \"{s}\" is not allowed as it conflicts with the OCI \"hostname\" field");
            }
            throw new ContainerException($"sysctl \"{s}\" is not in a separate kernel namespace");
        }
    }

    private static bool IsHostNet(IReadOnlyList<LinuxNamespace> ns)
    {
        var net = ns.FirstOrDefault(n => n.Type == "network");
        if (net is null) return true;
        if (string.IsNullOrEmpty(net.Path)) return false;
        const string self = "/proc/self/ns/net";
        if (StatModeIno(AT_FDCWD, self, 0, out _, out ulong a) < 0)
            throw new ContainerException("invalid netns path", new SyscallException("stat", Check.LastErrno, self));
        if (StatModeIno(AT_FDCWD, net.Path, 0, out _, out ulong b) < 0)
            throw new ContainerException("invalid netns path", new SyscallException("stat", Check.LastErrno, net.Path));
        // nsfs inodes are unique per namespace (all live on the one nsfs superblock).
        return a == b;
    }

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
