namespace Skiff.Interop;

/// <summary>Whether an ordinary user may make cgroups: a unified (v2) host whose cgroup of this process is writable.</summary>
internal static class CgroupDelegation
{
    public static bool Available()
    {
        if (!File.Exists("/sys/fs/cgroup/cgroup.controllers")) return false; // v1 or hybrid: nothing is delegated
        foreach (string line in File.ReadAllLines("/proc/self/cgroup"))
        {
            if (!line.StartsWith("0::", StringComparison.Ordinal)) continue;
            string dir = "/sys/fs/cgroup" + line[3..];
            return Access(Path.Combine(dir, "cgroup.procs"));
        }
        return false;
    }

    private static bool Access(string path)
    {
        try
        {
            using var f = File.Open(path, FileMode.Open, FileAccess.Write);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
