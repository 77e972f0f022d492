using System.Text;
using Skiff.Linux;

namespace Skiff.Cgroups.V2;

/// <summary>
/// Reads and writes cgroupfs files with one write(2) per value (as runc's cgroups.WriteFile), so the kernel's
/// errno reaches the caller: "failed to write \"VALUE\": write DIR/FILE: invalid argument".
/// </summary>
internal static class CgroupFiles
{
    public static void Write(string dir, string file, string data)
    {
        Errno e = TryWrite(dir, file, data, out Exception? error);
        if (e != Errno.OK) throw error!;
    }

    /// <summary>Writes and returns the errno (OK on success); <paramref name="error"/> is the error to throw.</summary>
    public static Errno TryWrite(string dir, string file, string data, out Exception? error)
    {
        string path = Path.Combine(dir, file);
        int fd = Eintr.Retry(() => Libc.open(path, Libc.O_WRONLY | Libc.O_TRUNC | Libc.O_CLOEXEC, 0));
        if (fd < 0)
        {
            Errno oe = Check.LastErrno;
            error = new SyscallException("open", oe, path);
            return oe;
        }
        using var sfd = new SafeFd(fd);
        try
        {
            Libc.WriteAll(sfd, Encoding.UTF8.GetBytes(data));
        }
        catch (SyscallException e)
        {
            error = new CgroupV2Exception($"failed to write \"{data}\"", new SyscallException("write", e.Errno, path));
            return e.Errno;
        }
        error = null;
        return Errno.OK;
    }

    /// <summary>The whole file as text; throws SyscallException("open", ...) when missing.</summary>
    public static string Read(string dir, string file)
    {
        string path = Path.Combine(dir, file);
        using SafeFd fd = Libc.Open(path, Libc.O_RDONLY);
        var ms = new MemoryStream();
        Span<byte> buf = stackalloc byte[4096];
        while (true)
        {
            int n = Libc.Read(fd, buf, "read " + path);
            if (n == 0) break;
            ms.Write(buf[..n]);
        }
        return Encoding.UTF8.GetString(ms.GetBuffer(), 0, (int)ms.Length);
    }

    /// <summary>The file's text, or null if it does not exist.</summary>
    public static string? TryRead(string dir, string file)
    {
        try { return Read(dir, file); }
        catch (SyscallException e) when (e.Errno == Errno.ENOENT) { return null; }
    }

    /// <summary>The value of "KEY VALUE" in a flat-keyed file (memory.events, cgroup.events); null when absent.</summary>
    public static string? ValueByKey(string content, string key)
    {
        foreach (string line in content.Split('\n'))
        {
            int sp = line.IndexOf(' ');
            if (sp > 0 && line.AsSpan(0, sp).SequenceEqual(key)) return line[(sp + 1)..].Trim();
        }
        return null;
    }

    /// <summary>Parses cgroup.procs / tasks: one pid per line.</summary>
    public static List<int> ParsePids(string content)
    {
        var pids = new List<int>();
        foreach (string line in content.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            if (int.TryParse(line, out int pid)) pids.Add(pid);
        return pids;
    }
}
