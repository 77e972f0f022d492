using System.Text.Json;

namespace Skiff;

/// <summary>Reads the runtime's JSON log (--log-format json, one logrus object per line), as containerd does.</summary>
internal static class LogFile
{
    /// <summary>The msg of the last "error" (or "fatal") line, or null when there is none.</summary>
    public static string? LastError(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException)
        {
            return null;
        }
        return LastError(lines);
    }

    /// <summary>The msg of the last "error" (or "fatal") JSON line of <paramref name="lines"/>, or null.</summary>
    public static string? LastError(string[] lines)
    {
        for (int i = lines.Length - 1; i >= 0; i--)
        {
            if (!lines[i].TrimStart().StartsWith('{')) continue;
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                var root = doc.RootElement;
                if (root.TryGetProperty("level", out var level) && level.GetString() is "error" or "fatal" &&
                    root.TryGetProperty("msg", out var msg))
                    return msg.GetString();
            }
            catch (JsonException)
            {
            }
        }
        return null;
    }
}
