namespace Skiff.Cgroups.V2;

/// <summary>runc's fs2 path rules (defaultDirPath) and utils.CleanPath.</summary>
public static class CgroupPath
{
    /// <summary>
    /// The cgroup directory for a container: an absolute cgroupsPath is taken under the mount root; a relative one
    /// (or, when empty, the container id) goes under the parent of the caller's own cgroup (the "0::" line of
    /// /proc/self/cgroup), since the caller's own cgroup usually holds processes and cannot enable controllers.
    /// </summary>
    public static string Resolve(string? cgroupsPath, string containerId, string mountRoot, string ownCgroupFile = "/proc/self/cgroup")
    {
        string inner = Clean(cgroupsPath ?? "");
        if (inner.Length == 0) inner = Clean(containerId);
        if (inner.Length == 0) throw new CgroupV2Exception("cgroup: neither a cgroups path nor a container id was given");
        if (inner.StartsWith('/')) return JoinClean(mountRoot, inner);
        string own = ParseOwnCgroup(File.ReadAllText(ownCgroupFile));
        return JoinClean(mountRoot, Dir(own), inner);
    }

    /// <summary>The path of the "0::PATH" entry of a /proc/PID/cgroup file.</summary>
    public static string ParseOwnCgroup(string content)
    {
        foreach (string text in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = text.Split(':', 3);
            if (parts.Length < 3) throw new CgroupV2Exception($"invalid cgroup entry: \"{text}\"");
            if (parts[0] == "0" && parts[1] == "") return parts[2];
        }
        throw new CgroupV2Exception("cgroup path not found");
    }

    /// <summary>
    /// runc's utils.CleanPath: lexically cleans; a relative path cannot climb out ("../../a" → "a"); absolute stays absolute.
    /// </summary>
    public static string Clean(string path)
    {
        if (path.Length == 0) return "";
        path = GoClean(path);
        if (!path.StartsWith('/'))
        {
            path = GoClean("/" + path);
            path = path == "/" ? "." : path[1..];
        }
        return GoClean(path);
    }

    /// <summary>Go's path.Clean (lexical: collapses //, ., and .. ; "" → ".").</summary>
    public static string GoClean(string path) => Skiff.Linux.GoPath.Clean(path);

    private static string Dir(string p)
    {
        int i = p.LastIndexOf('/');
        return i < 0 ? "." : GoClean(p[..(i + 1)]);
    }

    private static string JoinClean(params string[] parts) =>
        GoClean(string.Join('/', parts.Where(p => p.Length > 0)));
}
