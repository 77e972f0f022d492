namespace Skiff.LibContainer;

/// <summary>Looks up user names in the host's /etc/passwd (for `list`'s OWNER column).</summary>
internal static class Passwd
{
    public static string NameOf(uint uid, string file = "/etc/passwd")
    {
        try
        {
            foreach (string line in File.ReadLines(file))
            {
                string[] f = line.Split(':');
                if (f.Length > 2 && uint.TryParse(f[2], out uint u) && u == uid) return f[0];
            }
        }
        catch (IOException)
        {
        }
        return $"#{uid}";
    }
}
