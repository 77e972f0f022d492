namespace Skiff.LibContainer.Configs;

/// <summary>
/// runc's prepareEnv rules for a process environment (create, exec and init use them): every entry is NAME=VALUE
/// with a non-empty name and no NUL byte; a name given twice keeps its last value, at the place of that last entry.
/// </summary>
public static class ProcessEnv
{
    /// <summary>Checks <paramref name="env"/> (runc's texts: "invalid environment variable: missing '='", "...: name
    /// cannot be empty", "invalid environment variable \"K\": contains nul byte (\x00)") and returns it without
    /// duplicates. Like runc, entries are checked from the last one back, and a shadowed entry only for its name.</summary>
    public static List<string> Prepare(IReadOnlyList<string>? env)
    {
        if (env is null || env.Count == 0) return [];
        var outReversed = new List<string>(env.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int n = env.Count - 1; n >= 0; n--)
        {
            string kv = env[n] ?? "";
            int eq = kv.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0) throw new ContainerException("invalid environment variable: missing '='");
            if (eq == 0) throw new ContainerException("invalid environment variable: name cannot be empty");
            string key = kv[..eq];
            if (!seen.Add(key)) continue;
            if (kv.Contains('\0', StringComparison.Ordinal))
                throw new ContainerException($"invalid environment variable {Skiff.Linux.GoQuote.Quote(key)}: contains nul byte (\\x00)");
            outReversed.Add(kv);
        }
        outReversed.Reverse();
        return outReversed;
    }
}
