namespace Skiff.Cli.CommandLine;

internal enum FlagKind { Bool, String, Int, StringList }

/// <summary>One command-line flag as urfave/cli v1 knows it: a long name, optional short aliases, a kind.</summary>
internal sealed class Flag
{
    public Flag(string name, FlagKind kind, string usage, string? defaultText = null, params string[] aliases)
    {
        Name = name;
        Kind = kind;
        Usage = usage;
        DefaultText = defaultText;
        Aliases = aliases;
    }

    public string Name { get; }
    public string[] Aliases { get; }
    public FlagKind Kind { get; }
    public string Usage { get; }
    /// <summary>What help shows after "(default: ", already quoted as urfave does for strings.</summary>
    public string? DefaultText { get; }
    public bool Hidden { get; init; }

    public bool Matches(string name)
    {
        if (name == Name) return true;
        foreach (string a in Aliases)
            if (a == name) return true;
        return false;
    }

    public static Flag Bool(string name, string usage, params string[] aliases) => new(name, FlagKind.Bool, usage, null, aliases);
    public static Flag Str(string name, string usage, string? def = null, params string[] aliases) =>
        new(name, FlagKind.String, usage, def is null ? null : "\"" + def + "\"", aliases);
    public static Flag Int(string name, string usage, int def = 0, params string[] aliases) =>
        new(name, FlagKind.Int, usage, def.ToString(System.Globalization.CultureInfo.InvariantCulture), aliases);
    public static Flag List(string name, string usage, params string[] aliases) => new(name, FlagKind.StringList, usage, null, aliases);

    /// <summary>urfave's left column: "--bundle value, -b value".</summary>
    public string HelpName()
    {
        string suffix = Kind == FlagKind.Bool ? "" : " value";
        var parts = new List<string> { Dash(Name) + suffix };
        foreach (string a in Aliases) parts.Add(Dash(a) + suffix);
        return string.Join(", ", parts);
    }

    private static string Dash(string n) => (n.Length == 1 ? "-" : "--") + n;
}
