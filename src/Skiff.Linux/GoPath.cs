namespace Skiff.Linux;

/// <summary>Go's path/filepath.Clean for Unix paths, the one lexical cleaner every layer uses.</summary>
public static class GoPath
{
    /// <summary>Collapses "//", "." and ".."; ".." cannot climb above "/"; "" becomes ".".</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0) return ".";
        bool rooted = path[0] == '/';
        var parts = new List<string>();
        foreach (string seg in path.Split('/'))
        {
            if (seg.Length == 0 || seg == ".") continue;
            if (seg == "..")
            {
                if (parts.Count > 0 && parts[^1] != "..") parts.RemoveAt(parts.Count - 1);
                else if (!rooted) parts.Add("..");
                continue;
            }
            parts.Add(seg);
        }
        string joined = string.Join('/', parts);
        if (rooted) return "/" + joined;
        return joined.Length == 0 ? "." : joined;
    }
}
