using System.Text;

namespace Skiff.LibContainer.Rootfs;

/// <summary>One line of /proc/self/mountinfo (proc(5)).</summary>
internal sealed record MountInfo(
    int Id, int Parent, string Root, string MountPoint, string Options, string Optional, string FsType,
    string Source, string SuperOptions)
{
    public static List<MountInfo> Read(string path = "/proc/self/mountinfo") => Parse(File.ReadAllText(path));

    public static List<MountInfo> Parse(string text)
    {
        var list = new List<MountInfo>();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            string[] f = line.Split(' ');
            int sep = Array.IndexOf(f, "-", 6);
            if (f.Length < 10 || sep < 0 || f.Length < sep + 4) continue;
            list.Add(new MountInfo(
                int.Parse(f[0]), int.Parse(f[1]), Unescape(f[3]), Unescape(f[4]), f[5],
                string.Join(' ', f[6..sep]), f[sep + 1], Unescape(f[sep + 2]), f[sep + 3]));
        }
        return list;
    }

    /// <summary>Undoes the kernel's octal escapes (\040 space, \011 tab, \012 newline, \134 backslash).</summary>
    public static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var bytes = new List<byte>(s.Length);
        byte[] raw = Encoding.UTF8.GetBytes(s);
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
