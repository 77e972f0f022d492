namespace Skiff.IntegrationTests.Harness;

/// <summary>Checks that a container left nothing behind on the host.</summary>
public static class Leaks
{
    private static readonly string[] s_cgroupMounts = ListCgroupMounts();

    /// <summary>
    /// Asserts, retrying for a short while (processes may still be exiting): no state dir root/id; no cgroup
    /// directory whose name contains id under /sys/fs/cgroup/*/ (v1 hierarchies, name=systemd, unified); no live
    /// (non-zombie) process whose cmdline or cgroup mentions id, nor any of <paramref name="pids"/> still running;
    /// no mount in /proc/self/mountinfo that references any of <paramref name="paths"/>; no live process whose
    /// working directory is one of <paramref name="bundleDirs"/> (skiff and its `skiff init` run in the bundle
    /// directory: an init spawned for a config that was then refused would stay there).
    /// </summary>
    public static void AssertNothingLeaked(string root, string id, IEnumerable<TrackedPid>? pids = null, IEnumerable<string>? paths = null,
        IEnumerable<string>? bundleDirs = null)
    {
        var pidList = (pids ?? []).Where(p => p.Id == id).ToList();
        var pathList = (paths ?? []).Where(p => !string.IsNullOrEmpty(p)).ToList();
        var dirList = (bundleDirs ?? []).Where(p => !string.IsNullOrEmpty(p)).Select(Path.GetFullPath).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        List<string> problems;
        while (true)
        {
            problems = Find(root, id, pidList, pathList, dirList);
            if (problems.Count == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                break;
            }
            Thread.Sleep(100);
        }
        throw new Xunit.Sdk.XunitException($"container {id} leaked:\n  " + string.Join("\n  ", problems));
    }

    public static List<string> Find(string root, string id, IReadOnlyList<TrackedPid> pids, IReadOnlyList<string> paths,
        IReadOnlyList<string>? bundleDirs = null)
    {
        var problems = new List<string>();
        var stateDir = Path.Combine(root, id);
        if (Directory.Exists(stateDir))
        {
            problems.Add($"state directory {stateDir} exists");
        }
        foreach (var mount in s_cgroupMounts)
        {
            foreach (var dir in FindDirs(mount, id, depth: 5))
            {
                problems.Add($"cgroup directory {dir} exists");
            }
        }
        var self = Environment.ProcessId;
        foreach (var pid in HostProc.AllPids())
        {
            if (pid == self || !HostProc.IsAlive(pid))
            {
                continue;
            }
            var cmd = HostProc.Cmdline(pid);
            if (bundleDirs is { Count: > 0 } && HostProc.Cwd(pid) is string cwd && bundleDirs.Contains(cwd))
            {
                problems.Add($"process {pid} ({cmd}) still runs in the bundle directory {cwd}");
            }
            else if (cmd.Contains(id, StringComparison.Ordinal))
            {
                problems.Add($"process {pid} ({cmd}) mentions the id in its cmdline");
            }
            else if (HostProc.Cgroup(pid).Contains(id, StringComparison.Ordinal))
            {
                problems.Add($"process {pid} ({cmd}) is in a cgroup named after the id");
            }
        }
        foreach (var t in pids)
        {
            if (HostProc.StartTime(t.Pid) == t.StartTime && HostProc.IsAlive(t.Pid))
            {
                problems.Add($"container process {t.Pid} ({HostProc.Cmdline(t.Pid)}) still running");
            }
        }
        if (paths.Count > 0)
        {
            foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
            {
                var fields = line.Split(' ');
                if (fields.Length < 5)
                {
                    continue;
                }
                var mountRoot = Unoctal(fields[3]);
                var mountPoint = Unoctal(fields[4]);
                if (InAnotherContainersStateDir(mountPoint, id))
                {
                    continue; // e.g. the criu-root of a restore running beside this test over the shared rootfs
                }
                foreach (var p in paths)
                {
                    if (mountPoint.StartsWith(p, StringComparison.Ordinal) || mountRoot.StartsWith(p, StringComparison.Ordinal))
                    {
                        problems.Add($"mount left behind: {line}");
                        break;
                    }
                }
            }
        }
        return problems;
    }

    /// <summary>A mount point inside the state directory of a container other than <paramref name="id"/> under
    /// this run's state root: that container's test checks it.</summary>
    private static bool InAnotherContainersStateDir(string mountPoint, string id)
    {
        string stateRoot = RepoPaths.StateRoot + "/";
        if (!mountPoint.StartsWith(stateRoot, StringComparison.Ordinal))
        {
            return false;
        }
        // StateRoot/<test root>/<container id>/...: the id is the second component below the run's state root
        var parts = mountPoint[stateRoot.Length..].Split('/');
        return parts.Length >= 2 && parts[1] != id;
    }

    private static IEnumerable<string> FindDirs(string dir, string id, int depth)
    {
        IEnumerable<string> subs;
        try
        {
            subs = Directory.GetDirectories(dir);
        }
        catch (IOException)
        {
            yield break;
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (var sub in subs)
        {
            if (Path.GetFileName(sub).Contains(id, StringComparison.Ordinal))
            {
                yield return sub;
            }
            else if (depth > 1)
            {
                foreach (var d in FindDirs(sub, id, depth - 1))
                {
                    yield return d;
                }
            }
        }
    }

    private static string[] ListCgroupMounts()
    {
        var list = new List<string>();
        foreach (var line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0)
            {
                continue;
            }
            var fstype = line[(sep + 3)..].Split(' ')[0];
            if (fstype is "cgroup" or "cgroup2")
            {
                list.Add(Unoctal(line.Split(' ')[4]));
            }
        }
        return list.ToArray();
    }

    /// <summary>Decodes mountinfo's \040-style escapes.</summary>
    public static string Unoctal(string s)
    {
        if (!s.Contains('\\'))
        {
            return s;
        }
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length)
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }
}
