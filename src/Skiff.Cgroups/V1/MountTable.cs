using Skiff.Linux;

namespace Skiff.Cgroups.V1;

/// <summary>Parses the cgroup mounts out of /proc/self/mountinfo and the membership out of /proc/self/cgroup.</summary>
internal static class MountTable
{
    /// <summary>
    /// The cgroup (v1) and cgroup2 mounts. A v1 mount's subsystems are its super options that name a controller
    /// the process is in (as runc's getCgroupMountsHelper); with <paramref name="own"/> null every option that is
    /// not a mount flag counts. The first mount of a hierarchy wins (later ones are usually bind mounts).
    /// </summary>
    public static List<CgroupMount> ParseMountInfo(string text, IReadOnlyDictionary<string, string>? own)
    {
        var result = new List<CgroupMount>();
        var seen = new HashSet<string>();
        bool unifiedSeen = false;
        foreach (MountInfoEntry m in MountInfoEntry.Parse(text))
        {
            if (m.FsType == "cgroup2")
            {
                if (unifiedSeen) continue;
                unifiedSeen = true;
                result.Add(new CgroupMount(m.MountPoint, m.Root, [], IsUnified: true));
                continue;
            }
            if (m.FsType != "cgroup") continue;
            var subs = new List<string>();
            foreach (string opt in m.SuperOptions.Split(','))
            {
                if (opt is "rw" or "ro" || opt.Length == 0) continue;
                bool isSubsystem = own is null ? !opt.Contains('=') || opt.StartsWith("name=", StringComparison.Ordinal)
                                               : own.ContainsKey(opt);
                if (isSubsystem && !seen.Contains(opt)) subs.Add(opt);
            }
            if (subs.Count == 0) continue;
            foreach (string s in subs) seen.Add(s);
            result.Add(new CgroupMount(m.MountPoint, m.Root, subs, IsUnified: false));
        }
        return result;
    }

    /// <summary>
    /// /proc/self/cgroup as controller → cgroup path ("4:memory:/a" gives memory → /a; "1:cpu,cpuacct:/" gives
    /// both; "0::/x" gives "" → /x; named hierarchies keep their "name=" prefix).
    /// </summary>
    public static Dictionary<string, string> ParseProcCgroup(string text)
    {
        var map = new Dictionary<string, string>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            int a = line.IndexOf(':');
            int b = a < 0 ? -1 : line.IndexOf(':', a + 1);
            if (b < 0) continue;
            string controllers = line[(a + 1)..b];
            string path = line[(b + 1)..];
            if (controllers.Length == 0)
            {
                map[""] = path;
                continue;
            }
            foreach (string c in controllers.Split(',')) map[c] = path;
        }
        return map;
    }
}
