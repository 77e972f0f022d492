using Skiff.LibContainer.Criu.Rpc;
using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Criu;

/// <summary>
/// The mounts criu must treat as external (runc's addCriuDumpMount/addCriuRestoreMount): bind mounts, the
/// cgroup v1 hierarchies bound from the host (no cgroup namespace), /dev/null over masked files, and device
/// nodes. On dump the key and value are the destination inside the rootfs; on restore the value is the host
/// source to bind there again.
/// </summary>
internal static class CriuMounts
{
    /// <summary>One external mount: destination (relative to the rootfs, symlinks resolved in it) and host source.</summary>
    internal readonly record struct External(string Destination, string Source);

    /// <summary>Every external mount of a container with this spec; <paramref name="cgroupPaths"/> are the
    /// container's cgroup directories (controller to host path), <paramref name="namespaces"/> its namespaces.</summary>
    public static List<External> Of(Spec spec, Configs.NamespaceSet namespaces, string bundle, IReadOnlyDictionary<string, string> cgroupPaths)
    {
        string rootfs = spec.Root!.Path;
        var list = new List<External>();
        bool cgroupV1Binds = !namespaces.Has("cgroup") && !File.Exists("/sys/fs/cgroup/cgroup.controllers");
        foreach (var m in spec.Mounts ?? [])
        {
            var e = MountEntry.FromSpec(m, bundle); // sources and destinations only: no id mappings needed
            if (e.Device == "bind")
            {
                list.Add(new External(InRootfs(rootfs, e.Destination), e.Source));
            }
            else if (e.Device == "cgroup" && cgroupV1Binds)
            {
                var hierarchies = MountCgroup.Hierarchies(MountInfoEntry.Read(), File.ReadAllText("/proc/self/cgroup"), cgroupPaths);
                foreach (var h in hierarchies)
                {
                    string dest = e.Destination.TrimEnd('/') + "/" + Path.GetFileName(h.MountPoint);
                    list.Add(new External(InRootfs(rootfs, dest), h.OwnPath));
                }
            }
        }
        foreach (var d in Devices.FromSpec(spec.Linux?.Devices))
            list.Add(new External(InRootfs(rootfs, d.Path), d.Path));
        return list;
    }

    /// <summary>runc's addMaskPaths: each masked path that is a file in the running container is /dev/null
    /// bound over it (directories get a tmpfs, which criu dumps itself).</summary>
    public static IEnumerable<string> MaskedFiles(Spec spec, int initPid)
    {
        foreach (string p in spec.Linux?.MaskedPaths ?? [])
        {
            if (Libc.TryStat($"/proc/{initPid}/root/{p}") is { } st && (st.Mode & FileIds.S_IFMT) != FileIds.S_IFDIR)
                yield return p;
        }
    }

    /// <summary>The dump side: key and value are both the destination.</summary>
    public static void AddForDump(criu_opts opts, IEnumerable<External> mounts)
    {
        foreach (var m in mounts) opts.ExtMnt.Add(new ext_mount_map { Key = m.Destination, Val = m.Destination });
    }

    /// <summary>The restore side: the destination is bound from the host source.</summary>
    public static void AddForRestore(criu_opts opts, IEnumerable<External> mounts)
    {
        foreach (var m in mounts) opts.ExtMnt.Add(new ext_mount_map { Key = m.Destination, Val = m.Source });
    }

    /// <summary>
    /// runc's prepareCriuRestoreMounts, the mountpoint part: creates what the container's mounts need in the
    /// rootfs (a file for a bind of a file, else a directory), except cgroup mounts and anything under a tmpfs
    /// mount, whose content criu restores itself. Resolved inside the rootfs, never outside it.
    /// </summary>
    public static void CreateMountpoints(Spec spec, string bundle)
    {
        using var root = RootDir.Open(spec.Root!.Path);
        var entries = (spec.Mounts ?? []).Select(m => MountEntry.FromSpec(m, bundle)).ToList();
        foreach (var e in entries)
        {
            if (e.Device == "cgroup") continue;
            if (entries.Any(t => t.Device == "tmpfs" && e.Destination.StartsWith(t.Destination.TrimEnd('/') + "/", StringComparison.Ordinal)))
                continue;
            bool isDir = true;
            if (e.Device == "bind" && Libc.TryStat(e.Source) is { } st) isDir = (st.Mode & FileIds.S_IFMT) == FileIds.S_IFDIR;
            try
            {
                // as os.Stat + IsNotExist: what exists (or fails otherwise) is left to the restore's mount
                if (root.TryOpen(e.Destination, Libc.O_PATH, out SafeFd? existing) is not Errno.ENOENT) { existing?.Dispose(); continue; }
                (isDir ? root.MkdirAll(e.Destination, 0x1ED /* 0755 */) : root.CreateFile(e.Destination, 0x1ED)).Dispose();
            }
            catch (Exception ex)
            {
                throw new ContainerException($"create criu restore mountpoint for {e.Destination} mount", ex);
            }
        }
    }

    /// <summary>A destination as criu sees it: resolved inside the rootfs, relative to it, starting with "/".</summary>
    private static string InRootfs(string rootfs, string dest)
    {
        string full = SecureJoin.Join(rootfs, dest);
        string root = rootfs.TrimEnd('/');
        if (full == root) return "/";
        string rel = full.StartsWith(root + "/", StringComparison.Ordinal) ? full[root.Length..] : full;
        return rel.StartsWith('/') ? rel : "/" + rel;
    }
}
