using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>Looks up user names in the host's /etc/passwd (for `list`'s OWNER column).</summary>
internal static class Passwd
{
    // `list` asks once per container, almost always for the same uid: each answer is looked up once per process
    private static readonly Dictionary<(string File, uint Uid), string> s_names = new();

    public static string NameOf(uint uid, string file = "/etc/passwd")
    {
        if (s_names.TryGetValue((file, uid), out string? name)) return name;
        name = $"#{uid}";
        foreach (string line in (Libc.TryReadText(file) ?? "").Split('\n'))
        {
            string[] f = line.Split(':');
            if (f.Length > 2 && uint.TryParse(f[2], out uint u) && u == uid)
            {
                name = f[0];
                break;
            }
        }
        return s_names[(file, uid)] = name;
    }
}
