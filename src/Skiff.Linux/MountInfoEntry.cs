using System.Globalization;
using System.Text;

namespace Skiff.Linux;

/// <summary>
/// One line of /proc/PID/mountinfo (proc(5)): <c>id parent major:minor root mountpoint options [optional...] -
/// fstype source superoptions</c>. The one mountinfo parser: root, mount point and source are unescaped (the
/// kernel writes space, tab, newline and backslash as \040 \011 \012 \134).
/// </summary>
public sealed record MountInfoEntry(
    int Id, int Parent, string Root, string MountPoint, string Options, string Optional, string FsType,
    string Source, string SuperOptions)
{
    /// <summary>The mounts listed in <paramref name="path"/>.</summary>
    public static List<MountInfoEntry> Read(string path = "/proc/self/mountinfo") =>
        Parse(Libc.TryReadText(path, out Errno err) ?? throw new IOException(new SyscallException("open", err, path).Message));

    /// <summary>Every well-formed line of <paramref name="text"/>, in order; malformed lines are skipped.</summary>
    public static List<MountInfoEntry> Parse(string text)
    {
        var list = new List<MountInfoEntry>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            string[] f = line.Split(' ');
            int sep = f.Length < 10 ? -1 : Array.IndexOf(f, "-", 6);
            if (sep < 0 || f.Length < sep + 4) continue;
            if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id)
                || !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent)) continue;
            list.Add(new MountInfoEntry(
                id, parent, Unescape(f[3]), Unescape(f[4]), f[5],
                string.Join(' ', f[6..sep]), f[sep + 1], Unescape(f[sep + 2]), f[sep + 3]));
        }
        return list;
    }

    /// <summary>Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash).</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        byte[] raw = Encoding.UTF8.GetBytes(s);
        var bytes = new List<byte>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\\' && i + 3 < raw.Length
                && IsOct(raw[i + 1]) && IsOct(raw[i + 2]) && IsOct(raw[i + 3]))
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else bytes.Add(raw[i]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOct(byte b) => b >= '0' && b <= '7';

    /// <summary>Whether <paramref name="mountPoint"/> is <paramref name="path"/> or one of its parents
    /// (moby/sys/mountinfo's ParentsFilter).</summary>
    public static bool IsParentOf(string mountPoint, string path) =>
        mountPoint == "/" || path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);
}
