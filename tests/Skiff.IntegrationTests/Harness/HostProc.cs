namespace Skiff.IntegrationTests.Harness;

/// <summary>Reads the host's view of processes from /proc.</summary>
public static class HostProc
{
    /// <summary>Start time (clock ticks since boot) of pid, or null when it does not exist.</summary>
    public static long? StartTime(int pid) => StatField(pid, 22) is string s ? long.Parse(s) : null;

    /// <summary>The one-letter state (R, S, Z…) of pid, or null when it does not exist.</summary>
    public static char? State(int pid) => StatField(pid, 3) is string s ? s[0] : null;

    /// <summary>Alive and not a zombie.</summary>
    public static bool IsAlive(int pid) => State(pid) is char c && c != 'Z' && c != 'X';

    public static int? PPid(int pid) => StatField(pid, 4) is string s ? int.Parse(s) : null;

    public static string Cmdline(int pid) => ReadOrEmpty($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();

    public static string Cgroup(int pid) => ReadOrEmpty($"/proc/{pid}/cgroup");

    /// <summary>The working directory of <paramref name="pid"/>, or null when unreadable (gone, another namespace).</summary>
    public static string? Cwd(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/cwd").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static string Status(int pid) => ReadOrEmpty($"/proc/{pid}/status");

    /// <summary>The namespace link target, e.g. "net:[4026531840]".</summary>
    public static string? Namespace(int pid, string ns)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/{ns}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static IEnumerable<int> AllPids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid))
            {
                yield return pid;
            }
        }
    }

    public static void Kill(int pid, int sig) => Native.Kill(pid, sig);

    /// <summary>
    /// The host directory of the v1 (or unified, for "") hierarchy the process is in, e.g.
    /// /sys/fs/cgroup/memory/process_api/…/ctr, from /proc/pid/cgroup.
    /// </summary>
    public static string? CgroupDir(int pid, string controller)
    {
        foreach (var line in Cgroup(pid).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }
            if (controller == "" ? parts[1] == "" : parts[1].Split(',').Contains(controller))
            {
                var mount = controller == "" ? "unified" : controller;
                return "/sys/fs/cgroup/" + mount + parts[2];
            }
        }
        return null;
    }

    private static string? StatField(int pid, int field)
    {
        var stat = ReadOrEmpty($"/proc/{pid}/stat");
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        // fields after comm start at field 3
        var rest = stat[(close + 2)..].Split(' ');
        var idx = field - 3;
        return idx < rest.Length ? rest[idx] : null;
    }

    internal static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }
}
