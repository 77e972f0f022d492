namespace Skiff.Cli.CommandLine;

/// <summary>The flags (by canonical name) and positional arguments of one command line level.</summary>
internal sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly IReadOnlyList<Flag> _flags;

    public ParsedArgs(IReadOnlyList<Flag> flags) => _flags = flags;

    public List<string> Positional { get; } = [];

    internal void Set(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
        list.Add(value);
    }

    public bool IsSet(string name) => _values.ContainsKey(name);

    public string? String(string name) => _values.TryGetValue(name, out var l) ? l[^1] : null;

    public string String(string name, string def) => String(name) ?? def;

    public bool Bool(string name) => _values.TryGetValue(name, out var l) && l[^1] == "true";

    public int Int(string name) =>
        _values.TryGetValue(name, out var l) ? int.Parse(l[^1], System.Globalization.CultureInfo.InvariantCulture) : 0;

    public IReadOnlyList<string> List(string name) => _values.TryGetValue(name, out var l) ? l : [];

    public IReadOnlyList<Flag> Flags => _flags;

    /// <summary>urfave's Args().First(): "" when absent.</summary>
    public string Arg(int i) => i < Positional.Count ? Positional[i] : "";
}
