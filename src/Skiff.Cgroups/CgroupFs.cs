using System.Globalization;
using System.Text;
using Skiff.Linux;

namespace Skiff.Cgroups;

/// <summary>
/// Reads and writes cgroup control files. Each value goes out in exactly one write() (the kernel parses each
/// write as one request, as runc's cgroups.WriteFile); failures name the file and the value.
/// </summary>
internal sealed class CgroupFs
{
    public static CgroupFs Real { get; } = new(fake: false);

    public CgroupFs(bool fake) => Fake = fake;

    /// <summary>A plain directory tree in tests: create on write, delete files before rmdir.</summary>
    public bool Fake { get; }

    /// <summary>Every successful write in order (fake mode only): what tests assert write order against.</summary>
    public List<(string Path, string Data)> WriteLog { get; } = [];

    /// <summary>Thrown when a controller has something to write but no directory (hierarchy not mounted, or a
    /// rootless Apply skipped it); the manager turns it into runc's "cannot set X limit" error.</summary>
    public sealed class NoDirectoryException(string file) : Exception($"no directory specified for {file}");

    public void Write(string? dir, string file, string data)
    {
        if (dir is null) throw new NoDirectoryException(file);
        string path = Path.Join(dir, file);
        Errno err = TryWrite(path, data, out string syscall);
        if (err != Errno.OK)
            throw new CgroupException($"failed to write \"{data}\"", new SyscallException(syscall, err, path));
    }

    /// <summary>Writes without throwing; returns the errno (and which call failed).</summary>
    public Errno TryWrite(string path, string data, out string syscall)
    {
        int flags = Libc.O_WRONLY | Libc.O_CLOEXEC | (Fake ? Libc.O_CREAT | Libc.O_TRUNC : 0);
        syscall = "open";
        int fd = Eintr.Retry(() => Libc.open(path, flags, 0x1A4 /* 0644 */));
        if (fd < 0) return Check.LastErrno;
        using var sfd = new SafeFd(fd);
        syscall = "write";
        Errno err = Libc.TryWriteOnce(sfd, Encoding.UTF8.GetBytes(data));
        if (Fake && err == Errno.OK) WriteLog.Add((path, data));
        return err;
    }

    /// <summary>The whole file; throws a <see cref="SyscallException"/> naming it.</summary>
    public string Read(string dir, string file)
    {
        string path = Path.Join(dir, file);
        return TryRead(path, out Errno err) ?? throw new SyscallException(err == Errno.OK ? "read" : "open", err, path);
    }

    /// <summary>The whole file, or null with the errno (ENOENT when it does not exist).</summary>
    public static string? TryRead(string path, out Errno err) => Libc.TryReadText(path, out err);

    public string? TryRead(string dir, string file) => TryRead(Path.Join(dir, file), out _);

    public bool Exists(string dir, string file) => File.Exists(Path.Join(dir, file));

    /// <summary>A single unsigned value (runc's GetCgroupParamUint: "max" is unlimited, negatives are 0).</summary>
    public ulong ReadUlong(string dir, string file)
    {
        string text = Read(dir, file).Trim();
        return ParseUlong(text) ?? throw new CgroupException(
            $"unable to parse {Path.Join(dir, file)}: invalid value \"{text}\"");
    }

    public static ulong? ParseUlong(string text)
    {
        text = text.Trim();
        if (text == "max") return ulong.MaxValue;
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)) return v;
        // The kernel prints negative values for some counters (runc clamps them to 0).
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long s) && s < 0)
            return 0;
        return null;
    }

    /// <summary>The value of "key N" in a flat keyed file (memory.oom_control, memory.stat), or null.</summary>
    public static ulong? ValueByKey(string content, string key)
    {
        foreach (string line in content.Split('\n'))
        {
            int sp = line.IndexOf(' ');
            if (sp <= 0 || line.AsSpan(0, sp).SequenceEqual(key) is false) continue;
            return ParseUlong(line[(sp + 1)..]);
        }
        return null;
    }
}
