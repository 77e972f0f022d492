using System.Diagnostics;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A busybox-static root filesystem, built once per machine and busybox version under
/// /var/tmp/skiff-it-rootfs/&lt;key&gt;/rootfs and shared read-only by the tests; <see cref="CopyTo"/>
/// makes a private copy for tests that write or add mount points.
/// </summary>
public static class BusyboxRootfs
{
    public const string BusyboxPath = "/bin/busybox";

    /// <summary>Directories that exist in the rootfs, usable as mount destinations without a private copy.</summary>
    public static readonly string[] Dirs =
    [
        "bin", "sbin", "usr/bin", "usr/sbin", "etc", "tmp", "proc", "sys", "dev", "root", "home", "mnt",
        "mnt/a", "mnt/b", "mnt/c", "var", "run",
    ];

    private static readonly Lazy<string> s_path = new(Build);

    /// <summary>The shared rootfs path (absolute).</summary>
    public static string SharedPath => s_path.Value;

    /// <summary>Copies the rootfs (symlinks preserved) to dest.</summary>
    public static void CopyTo(string dest)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        Run("/bin/cp", "-a", SharedPath, dest);
    }

    private static string Build()
    {
        if (!File.Exists(BusyboxPath))
        {
            throw new InvalidOperationException($"{BusyboxPath} is missing: apt-get install busybox-static");
        }
        var info = new FileInfo(BusyboxPath);
        var key = $"v1-{info.Length}-{info.LastWriteTimeUtc.Ticks}";
        var home = Path.Combine("/var/tmp/skiff-it-rootfs", key);
        var final = Path.Combine(home, "rootfs");
        if (File.Exists(Path.Combine(final, ".complete")))
        {
            return final;
        }
        Directory.CreateDirectory(home);
        var tmp = Path.Combine(home, $"rootfs.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        foreach (var d in Dirs)
        {
            Directory.CreateDirectory(Path.Combine(tmp, d));
        }
        File.Copy(BusyboxPath, Path.Combine(tmp, "bin/busybox"));
        File.SetUnixFileMode(Path.Combine(tmp, "bin/busybox"),
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (var applet in Run(BusyboxPath, "--list-full").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var rel = applet.Trim().TrimStart('/');
            if (rel.Length == 0 || rel == "bin/busybox" || !rel.Contains('/'))
            {
                continue;
            }
            var link = Path.Combine(tmp, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            if (!File.Exists(link) && !Directory.Exists(link))
            {
                File.CreateSymbolicLink(link, "/bin/busybox");
            }
        }
        File.WriteAllText(Path.Combine(tmp, "etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
        File.WriteAllText(Path.Combine(tmp, "etc/group"), "root:x:0:\nnobody:x:65534:\n");
        File.SetUnixFileMode(Path.Combine(tmp, "tmp"), (UnixFileMode)0x3FF /* 0777 */ | UnixFileMode.StickyBit);
        File.WriteAllText(Path.Combine(tmp, ".complete"), key + "\n");
        try
        {
            Directory.Move(tmp, final);
        }
        catch (IOException) when (File.Exists(Path.Combine(final, ".complete")))
        {
            Runtime.TryDelete(tmp); // another test run won the race
        }
        return final;
    }

    internal static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdoutTask = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: exit {p.ExitCode}: {stderr}");
        }
        return stdoutTask.Result;
    }
}
