using System.Diagnostics;
using Skiff.Linux;

namespace Skiff.UnitTests.CgroupsV2;

/// <summary>
/// A cgroup of our own under the host's cgroup2 mount (/sys/fs/cgroup/unified in hybrid mode, else
/// /sys/fs/cgroup), removed on dispose with any processes in it killed. Only root can make one.
/// </summary>
internal sealed class RealCgroup : IDisposable
{
    private RealCgroup(string dir) => Dir = dir;

    public string Dir { get; }

    /// <summary>Null (with the reason) when not root or there is no writable cgroup2 mount.</summary>
    public static RealCgroup? TryCreate(out string reason)
    {
        if (Libc.geteuid() != 0) { reason = "skipped: needs root"; return null; }
        string? mount = File.Exists("/sys/fs/cgroup/unified/cgroup.procs") ? "/sys/fs/cgroup/unified"
            : File.Exists("/sys/fs/cgroup/cgroup.procs") ? "/sys/fs/cgroup" : null;
        if (mount is null) { reason = "skipped: no cgroup2 mount"; return null; }
        string dir = Path.Combine(mount, "skiff-test-" + Guid.NewGuid().ToString("N")[..10]);
        if (Libc.mkdir(dir, 0x1ed) != 0) { reason = $"skipped: cannot mkdir {dir}: {Check.LastErrno.Text()}"; return null; }
        reason = "";
        return new RealCgroup(dir);
    }

    /// <summary>Runs sh -c SCRIPT (which should move itself into a cgroup first); returns stdout, stderr.</summary>
    public static (string Out, string Err) Sh(string script)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        using Process p = Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd(), e = p.StandardError.ReadToEnd();
        if (!p.WaitForExit(10_000)) { p.Kill(); throw new TimeoutException(script); }
        return (o, e);
    }

    public void Dispose()
    {
        // Kill what is left, then remove children first.
        foreach (string d in Directory.EnumerateDirectories(Dir, "*", SearchOption.AllDirectories).Reverse().Append(Dir))
        {
            if (File.Exists(Path.Combine(d, "cgroup.kill"))) { try { File.WriteAllText(Path.Combine(d, "cgroup.kill"), "1"); } catch (IOException) { } }
        }
        for (int i = 0; i < 50; i++)
        {
            foreach (string d in Directory.EnumerateDirectories(Dir, "*", SearchOption.AllDirectories).Reverse()) Libc.rmdir(d);
            if (Libc.rmdir(Dir) == 0 || Check.LastErrno == Errno.ENOENT) return;
            Thread.Sleep(20);
        }
    }
}
