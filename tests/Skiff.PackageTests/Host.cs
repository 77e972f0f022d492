using System.Diagnostics;

namespace Skiff.PackageTests;

/// <summary>The host side of the tests: a busybox rootfs, the CLI, /proc and leak checks (ideas of the
/// integration harness's Leaks.cs, over the library's own state and bundle roots).</summary>
public static class Host
{
    private static readonly Lazy<string> s_rootfs = new(BuildRootfs);

    /// <summary>A shared busybox-static rootfs (read-only use), world-readable so the rootless user can use it.</summary>
    public static string Rootfs => s_rootfs.Value;

    /// <summary>Runs a program to completion; (exit code, stdout, stderr).</summary>
    public static (int Code, string Out, string Err) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} hung");
        }
        return (p.ExitCode, stdout.Result, stderr);
    }

    public static string MustRun(string file, params string[] args)
    {
        var (code, output, err) = Run(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {code}: {err}{output}");
        return output;
    }

    private static string BuildRootfs()
    {
        const string busybox = "/bin/busybox";
        if (!File.Exists(busybox)) throw new InvalidOperationException($"{busybox} is missing: apt-get install busybox-static");
        var info = new FileInfo(busybox);
        string home = Path.Combine("/var/tmp/skiff-pkg-rootfs", $"v1-{info.Length}-{info.LastWriteTimeUtc.Ticks}");
        string final = Path.Combine(home, "rootfs");
        if (File.Exists(Path.Combine(final, ".complete"))) return final;
        Directory.CreateDirectory(home);
        string tmp = Path.Combine(home, $"tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        foreach (var d in new[] { "bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "proc", "sys", "dev", "root", "mnt", "run", "var" })
            Directory.CreateDirectory(Path.Combine(tmp, d));
        File.Copy(busybox, Path.Combine(tmp, "bin/busybox"));
        MustRun("/bin/chmod", "755", Path.Combine(tmp, "bin/busybox"));
        foreach (string applet in MustRun(busybox, "--list-full").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string rel = applet.Trim();
            if (rel == "bin/busybox" || !rel.Contains('/')) continue;
            string link = Path.Combine(tmp, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (!File.Exists(link)) File.CreateSymbolicLink(link, "/bin/busybox");
        }
        File.WriteAllText(Path.Combine(tmp, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Combine(tmp, "etc/group"), "root:x:0:\nnobody:x:65534:\n");
        MustRun("/bin/chmod", "-R", "a+rX", tmp);
        MustRun("/bin/chmod", "1777", Path.Combine(tmp, "tmp"));
        MustRun("/bin/chmod", "755", home, "/var/tmp/skiff-pkg-rootfs");
        File.WriteAllText(Path.Combine(tmp, ".complete"), "");
        try
        {
            Directory.Move(tmp, final);
        }
        catch (IOException) when (File.Exists(Path.Combine(final, ".complete")))
        {
            Directory.Delete(tmp, recursive: true); // another run won the race
        }
        return final;
    }

    public static string? StatField(int pid, int field)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        int close = stat.LastIndexOf(')');
        if (close < 0) return null;
        string[] rest = stat[(close + 2)..].Split(' ');
        return field - 3 < rest.Length ? rest[field - 3] : null;
    }

    /// <summary>Exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => StatField(pid, 3) is string s && s[0] != 'Z' && s[0] != 'X';

    public static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return "";
        }
        catch (UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// What a container left behind: its state dir under <paramref name="stateRoot"/>, its bundle under
    /// <paramref name="bundleRoot"/>, cgroup dirs named after it, live processes whose cmdline or cgroup names it,
    /// mounts under the bundle. Retried for a few seconds (a killed process may still be exiting).
    /// </summary>
    public static List<string> Leaks(string stateRoot, string bundleRoot, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var problems = FindLeaks(stateRoot, bundleRoot, id);
            if (problems.Count == 0 || DateTime.UtcNow > deadline) return problems;
            Thread.Sleep(100);
        }
    }

    /// <summary>Live processes whose command line contains <paramref name="text"/>.</summary>
    public static List<string> LiveProcessesMentioning(string text)
    {
        var found = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId || !IsAlive(pid)) continue;
            string cmd = ReadOrEmpty($"/proc/{pid}/cmdline").Replace('\0', ' ');
            if (cmd.Contains(text, StringComparison.Ordinal)) found.Add($"process {pid} ({cmd.Trim()})");
        }
        return found;
    }

    private static List<string> FindLeaks(string stateRoot, string bundleRoot, string id)
    {
        var problems = new List<string>();
        string state = Path.Combine(stateRoot, id), bundle = Path.Combine(bundleRoot, id);
        if (Directory.Exists(state)) problems.Add($"state directory {state}");
        if (Directory.Exists(bundle)) problems.Add($"bundle directory {bundle}");
        foreach (string mount in CgroupMounts())
            foreach (string dir in FindDirs(mount, id, 5))
                problems.Add($"cgroup directory {dir}");
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId || !IsAlive(pid)) continue;
            string cmd = ReadOrEmpty($"/proc/{pid}/cmdline").Replace('\0', ' ');
            if (cmd.Contains(id, StringComparison.Ordinal)) problems.Add($"process {pid} ({cmd.Trim()})");
            else if (ReadOrEmpty($"/proc/{pid}/cgroup").Contains(id, StringComparison.Ordinal)) problems.Add($"process {pid} in a cgroup named after {id}");
        }
        foreach (string line in File.ReadAllLines("/proc/self/mountinfo"))
            if (line.Contains(bundle, StringComparison.Ordinal)) problems.Add($"mount {line}");
        return problems;
    }

    private static IEnumerable<string> CgroupMounts()
    {
        foreach (string line in File.ReadAllLines("/proc/self/mountinfo"))
        {
            int sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0) continue;
            string fstype = line[(sep + 3)..].Split(' ')[0];
            if (fstype is "cgroup" or "cgroup2") yield return line.Split(' ')[4];
        }
    }

    private static IEnumerable<string> FindDirs(string dir, string name, int depth)
    {
        string[] subs;
        try
        {
            subs = Directory.GetDirectories(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            yield break;
        }
        foreach (string sub in subs)
        {
            if (Path.GetFileName(sub).Contains(name, StringComparison.Ordinal)) yield return sub;
            else if (depth > 1)
                foreach (string d in FindDirs(sub, name, depth - 1))
                    yield return d;
        }
    }
}
