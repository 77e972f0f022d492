using System.Globalization;

namespace Skiff.Cli.CommandLine;

/// <summary>
/// Parses flags the way runc's urfave/cli v1 (over Go's flag package) does: "-f", "--f", "-f=v", "--f=v",
/// "-f v" for value flags; bool flags take a value only with "=" (Go's ParseBool spellings); no combined
/// short flags ("-qf" is an unknown flag, as in runc); "--" ends the flags.
/// <para>Global level: parsing stops at the first non-flag (the command). Command level: urfave reorders
/// known flags that follow positional arguments to the front, so "create ID -b DIR" works, while an unknown
/// "-x" after a positional argument stays positional ("kill ID -9"). `exec` sets SkipArgReorder.</para>
/// </summary>
internal static class ArgParser
{
    public static ParsedArgs Parse(IReadOnlyList<Flag> flags, IReadOnlyList<string> args, bool stopAtFirstPositional, out int consumed)
    {
        var result = new ParsedArgs(flags);
        bool terminated = false;
        int i = 0;
        for (; i < args.Count; i++)
        {
            string arg = args[i];
            if (terminated) { result.Positional.Add(arg); continue; }
            if (arg == "--")
            {
                if (stopAtFirstPositional) { i++; break; }
                terminated = true;
                continue;
            }
            if (arg.Length < 2 || arg[0] != '-')
            {
                if (stopAtFirstPositional) break;
                result.Positional.Add(arg);
                continue;
            }
            int dashes = arg[1] == '-' ? 2 : 1;
            string body = arg[dashes..];
            if (body.Length == 0 || body[0] == '-' || body[0] == '=')
            {
                if (result.Positional.Count > 0) { result.Positional.Add(arg); continue; }
                throw new UsageException("bad flag syntax: " + arg);
            }
            string name = body;
            string? value = null;
            int eq = body.IndexOf('=');
            if (eq > 0) { name = body[..eq]; value = body[(eq + 1)..]; }
            Flag? flag = Find(flags, name);
            if (flag is null)
            {
                // urfave leaves unknown flags in place; Go's flag then only sees them before the first argument.
                if (result.Positional.Count > 0) { result.Positional.Add(arg); continue; }
                throw new UsageException("flag provided but not defined: -" + name);
            }
            switch (flag.Kind)
            {
                case FlagKind.Bool:
                    if (value is null) { result.Set(flag.Name, "true"); break; }
                    bool? b = ParseGoBool(value);
                    if (b is null) throw new UsageException($"invalid boolean value \"{value}\" for -{name}: parse error");
                    result.Set(flag.Name, b.Value ? "true" : "false");
                    break;
                default:
                    if (value is null)
                    {
                        if (i + 1 >= args.Count) throw new UsageException("flag needs an argument: -" + name);
                        value = args[++i];
                    }
                    if (flag.Kind == FlagKind.Int && !int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                        throw new UsageException($"invalid value \"{value}\" for flag -{name}: parse error");
                    result.Set(flag.Name, value);
                    break;
            }
        }
        consumed = i;
        return result;
    }

    public static ParsedArgs Parse(IReadOnlyList<Flag> flags, IReadOnlyList<string> args, bool stopAtFirstPositional = false)
    {
        var r = Parse(flags, args, stopAtFirstPositional, out int consumed);
        if (stopAtFirstPositional)
            for (int i = consumed; i < args.Count; i++) r.Positional.Add(args[i]);
        return r;
    }

    private static Flag? Find(IReadOnlyList<Flag> flags, string name)
    {
        foreach (Flag f in flags)
            if (f.Matches(name)) return f;
        return null;
    }

    /// <summary>Go's strconv.ParseBool.</summary>
    public static bool? ParseGoBool(string s) => s switch
    {
        "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
        "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
        _ => null,
    };
}
