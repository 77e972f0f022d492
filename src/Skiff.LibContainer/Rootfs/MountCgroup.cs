using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// A mount of type "cgroup" (runc's mountCgroupV1/V2). On cgroup v1: a tmpfs at the destination, then for each v1
/// hierarchy either the container's own cgroup directory bound from the host (no cgroup namespace) or the
/// hierarchy mounted afresh (new cgroup namespace), plus symlinks for co-mounted controllers (cpu -> cpu,cpuacct).
/// On cgroup v2: cgroup2 itself, or a bind of /sys/fs/cgroup when the kernel refuses that.
/// </summary>
internal static class MountCgroup
{
    /// <summary>A v1 hierarchy: where it is mounted on the host, its root, its controllers ("name=systemd" for
    /// named ones), and the directory (host path) of this process's cgroup in it.</summary>
    internal sealed record Hierarchy(string MountPoint, string Root, IReadOnlyList<string> Subsystems, string OwnPath);

    public static void Mount(MountContext c, MountEntry m)
    {
        if (Statfs("/sys/fs/cgroup", out var st) == 0 && st.Type == CGROUP2_SUPER_MAGIC) MountV2(c, m);
        else MountV1(c, m);
    }

    private static void MountV1(MountContext c, MountEntry m)
    {
        var hierarchies = Hierarchies(c.MountInfo(), Libc.ReadText("/proc/self/cgroup"), c.CgroupPaths);

        MountToRootfs.Mount(c, new MountEntry
        {
            Source = "tmpfs", Device = "tmpfs", Destination = m.Destination,
            Flags = MountToRootfs.DefaultMountFlags, Data = "mode=755", PropagationFlags = m.PropagationFlags,
        });

        var merged = new List<string>();
        foreach (var h in hierarchies)
        {
            string name = Path.GetFileName(h.MountPoint);
            if (name.Contains(',')) merged.Add(name);
            string dest = m.Destination.TrimEnd('/') + "/" + name;
            if (c.CgroupNs)
            {
                using SafeFd dir = c.Root.MkdirAll(dest, 0x1ED /* 0755 */);
                ulong flags = MountToRootfs.DefaultMountFlags | (m.Flags & MS_RDONLY);
                string source = "cgroup", data = name;
                if (name == "systemd") { source = "systemd"; data = "name=systemd"; }
                MountCall.Mount(source, dest, MountToRootfs.ProcFd(dir), "cgroup", flags, data);
            }
            else
            {
                MountToRootfs.Mount(c, new MountEntry
                {
                    Source = h.OwnPath, Destination = dest, Device = "bind",
                    Flags = MS_BIND | MS_REC | m.Flags, PropagationFlags = m.PropagationFlags,
                });
            }
        }

        using SafeFd root = c.Root.Open(m.Destination, O_PATH | O_DIRECTORY);
        foreach (string mc in merged)
        {
            foreach (string ss in mc.Split(','))
            {
                if (symlinkat(mc, root.Fd, ss) < 0 && Check.LastErrno != Errno.EEXIST)
                    Check.Throw("symlinkat " + mc, Check.LastErrno, c.Root.Display(m.Destination.TrimEnd('/') + "/" + ss));
            }
        }

        // The tmpfs itself stays writable, as in runc 1.1/1.2 (the hierarchies under it carry the ro flag).
    }

    private static void MountV2(MountContext c, MountEntry m)
    {
        Errno e;
        SyscallException? err = null;
        using (SafeFd dst = MountToRootfs.OpenMountpoint(c, m, out _))
        {
            string procfd = MountToRootfs.ProcFd(dst);
            e = MountCall.TryMount(m.Source, m.Destination, procfd, "cgroup2", m.Flags, m.Data);
            if (e != Errno.OK) err = MountCall.Error("mount", m.Source, m.Destination, procfd, m.Flags, m.Data, e);
        }
        if (e == Errno.OK) return;
        if (e is not (Errno.EPERM or Errno.EBUSY)) throw err!;

        // In a user namespace without its own cgroup namespace cgroup2 cannot be mounted: bind it instead,
        // the container's own cgroup when it has a cgroup namespace to emulate.
        string source = "/sys/fs/cgroup";
        if (c.CgroupNs && c.CgroupPaths is not null && c.CgroupPaths.TryGetValue("", out string? own) && own.Length > 0)
            source = own;
        MountToRootfs.Mount(c, new MountEntry
        {
            Source = source, Destination = m.Destination, Device = "bind",
            Flags = MS_BIND | m.Flags, PropagationFlags = m.PropagationFlags,
        });
    }

    /// <summary>The v1 hierarchies (one per set of controllers) with this process's cgroup directory in each
    /// (runc's GetCgroupMounts + GetOwnCgroup). <paramref name="cgroupPaths"/> (controller to absolute host path, as
    /// the cgroup manager reports them) wins over /proc/self/cgroup when it names one of a hierarchy's controllers.</summary>
    public static List<Hierarchy> Hierarchies(IEnumerable<MountInfoEntry> mounts, string procSelfCgroup,
        IReadOnlyDictionary<string, string>? cgroupPaths)
    {
        // /proc/self/cgroup: "4:memory:/path", "1:name=systemd:/path", "2:cpu,cpuacct:/path", "0::/path".
        var own = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in procSelfCgroup.Split('\n'))
        {
            string[] f = line.Split(':', 3);
            if (f.Length != 3 || f[1].Length == 0) continue;
            foreach (string ss in f[1].Split(',')) own[ss] = f[2];
        }

        var list = new List<Hierarchy>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var mi in mounts)
        {
            if (mi.FsType != "cgroup") continue;
            var subs = mi.SuperOptions.Split(',').Where(own.ContainsKey).ToList();
            if (subs.Count == 0) continue;
            string key = string.Join(',', subs);
            if (!seen.Add(key)) continue;

            string? path = null;
            if (cgroupPaths is not null)
            {
                foreach (string ss in subs)
                {
                    if (cgroupPaths.TryGetValue(ss, out path)) break;
                    if (ss.StartsWith("name=", StringComparison.Ordinal) && cgroupPaths.TryGetValue(ss[5..], out path)) break;
                    path = null;
                }
            }
            if (path is null)
            {
                string dir = own[subs[0]];
                string rel = RelativeTo(mi.Root, dir);
                path = rel.Length == 0 ? mi.MountPoint : mi.MountPoint.TrimEnd('/') + "/" + rel;
            }
            list.Add(new Hierarchy(mi.MountPoint, mi.Root, subs, path));
        }
        return list;
    }

    /// <summary>filepath.Rel for a cgroup path under a mount root ("" when equal).</summary>
    private static string RelativeTo(string root, string dir)
    {
        root = MountEntry.CleanPath(root);
        dir = MountEntry.CleanPath(dir);
        if (root == "/") return dir.TrimStart('/');
        if (dir == root) return "";
        if (dir.StartsWith(root + "/", StringComparison.Ordinal)) return dir[(root.Length + 1)..];
        throw new ContainerException($"cgroup path {dir} is not under the hierarchy root {root}");
    }
}
