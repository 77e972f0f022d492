using System.Globalization;

namespace Skiff.Cgroups.Devices;

/// <summary>
/// Replays rules as the v1 devices controller would (runc's devices emulator): an "a" rule resets to allow-all or
/// deny-all; other rules add or remove exceptions to that default. The result, <see cref="Rules"/>, is a default plus
/// exceptions that all carry the opposite action, so the order of exceptions no longer matters (the last rule in the
/// input wins, as in v1). Punching a hole in a wildcard exception is refused, as runc does. The one emulator: the
/// eBPF program (v2), systemd's DeviceAllow and the v1 devices.allow/deny writes are all computed from it.
/// </summary>
public sealed class DeviceEmulator
{
    private readonly SortedDictionary<Key, string> _rules = new();

    /// <summary>
    /// An exception's (type, major, minor), ordered in that order. A class, not a value tuple: generic collections
    /// over a reference type share one compiled copy, where a struct key gets its own code and type data.
    /// </summary>
    private sealed record Key(char Type, long Major, long Minor) : IComparable<Key>
    {
        public int CompareTo(Key? other)
        {
            if (other is null) return 1;
            int c = Type.CompareTo(other.Type);
            if (c == 0) c = Major.CompareTo(other.Major);
            return c != 0 ? c : Minor.CompareTo(other.Minor);
        }
    }

    /// <summary>True when the default is allow (a deny-list), false for an allow-list (the default).</summary>
    public bool DefaultAllow { get; private set; }

    public static DeviceEmulator FromRules(IEnumerable<DeviceRule> rules)
    {
        var emu = new DeviceEmulator();
        foreach (DeviceRule r in rules) emu.Apply(r);
        return emu;
    }

    /// <summary>The state a v1 cgroup's devices.list shows ("a *:* rwm" alone means allow-all).</summary>
    public static DeviceEmulator FromList(string list)
    {
        var emu = new DeviceEmulator();
        foreach (string raw in list.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line == "a *:* rwm")
            {
                emu.DefaultAllow = true;
                emu._rules.Clear();
                continue;
            }
            string[] f = line.Split(' ');
            string[] mm = f.Length == 3 ? f[1].Split(':') : [];
            if (mm.Length != 2 || f[0].Length != 1 || f[2].Length == 0 || f[2].AsSpan().IndexOfAnyExcept("rwm") >= 0)
                throw new DeviceRuleException($"invalid devices.list line \"{line}\"");
            emu._rules[new Key(f[0][0], ParseNumber(mm[0]), ParseNumber(mm[1]))] = DeviceRule.NormalizePermissions(f[2]);
        }
        return emu;
    }

    private static long ParseNumber(string s) =>
        s == "*" ? DeviceRule.Wildcard
        : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v
        : throw new DeviceRuleException($"invalid device number \"{s}\" in devices.list");

    public void Apply(DeviceRule rule)
    {
        if (rule.Type is not ('a' or 'b' or 'c'))
            throw new DeviceRuleException($"cannot add rule [{rule.CgroupString()}] with non-cgroup type '{rule.Type}'");
        if (rule.Type == 'a')
        {
            // As in the kernel: "a" ignores major, minor and access, and resets everything.
            _rules.Clear();
            DefaultAllow = rule.Allow;
            return;
        }
        var key = new Key(rule.Type, rule.Major, rule.Minor);
        if (rule.Allow == DefaultAllow)
            Remove(key, rule);
        else
            _rules[key] = Union(_rules.GetValueOrDefault(key, ""), rule.Permissions);
    }

    private void Remove(Key key, DeviceRule rule)
    {
        // cgroup v1 silently ignores holes punched into a wildcard exception: refuse instead, as runc does.
        foreach (Key partial in new[] { key with { Major = DeviceRule.Wildcard }, key with { Minor = DeviceRule.Wildcard }, new Key(key.Type, DeviceRule.Wildcard, DeviceRule.Wildcard) })
        {
            if (partial == key) continue;
            if (_rules.TryGetValue(partial, out string? perms) && Intersect(perms, rule.Permissions).Length > 0)
                throw new DeviceRuleException(
                    $"requested rule [{rule.CgroupString()}] not supported by devices cgroupv1 (cannot punch hole in existing wildcard rule [{new DeviceRule(partial.Type, partial.Major, partial.Minor, perms, !DefaultAllow).CgroupString()}])");
        }
        if (!_rules.TryGetValue(key, out string? old)) return;
        string left = Difference(old, rule.Permissions);
        if (left.Length == 0) _rules.Remove(key);
        else _rules[key] = left;
    }

    /// <summary>The exceptions to <see cref="DefaultAllow"/>, sorted by (type, major, minor); each has Allow = !DefaultAllow.</summary>
    public IReadOnlyList<DeviceRule> Exceptions()
    {
        var list = new List<DeviceRule>(_rules.Count);
        foreach ((Key k, string perms) in _rules) list.Add(new DeviceRule(k.Type, k.Major, k.Minor, perms, !DefaultAllow));
        return list;
    }

    /// <summary>The equivalent rule list: the "a *:* rwm" default first, then the exceptions.</summary>
    public IReadOnlyList<DeviceRule> Rules()
    {
        var list = new List<DeviceRule> { new('a', DeviceRule.Wildcard, DeviceRule.Wildcard, "rwm", DefaultAllow) };
        list.AddRange(Exceptions());
        return list;
    }

    /// <summary>
    /// The v1 writes (devices.allow for Allow, devices.deny otherwise) from this state to <paramref name="target"/>.
    /// An allow-all source (whose deny exceptions devices.list does not show) or a change of default starts with
    /// the disruptive "a *:* rwm" rule.
    /// </summary>
    public List<DeviceRule> Transition(DeviceEmulator target)
    {
        var result = new List<DeviceRule>();
        SortedDictionary<Key, string> old = _rules;
        if (DefaultAllow || DefaultAllow != target.DefaultAllow)
        {
            result.Add(new DeviceRule('a', DeviceRule.Wildcard, DeviceRule.Wildcard, "rwm", target.DefaultAllow));
            old = []; // the same collection type as _rules: one generic instantiation less
        }
        foreach (var (k, perms) in old)
        {
            string dropped = Difference(perms, target._rules.GetValueOrDefault(k, ""));
            if (dropped.Length != 0)
                result.Add(new DeviceRule(k.Type, k.Major, k.Minor, dropped, target.DefaultAllow));
        }
        foreach (var (k, perms) in target._rules)
        {
            string gained = Difference(perms, old.GetValueOrDefault(k, ""));
            if (gained.Length != 0)
                result.Add(new DeviceRule(k.Type, k.Major, k.Minor, gained, !target.DefaultAllow));
        }
        return result;
    }

    /// <summary>Same default and same exceptions.</summary>
    public bool SameAs(DeviceEmulator other)
    {
        if (DefaultAllow != other.DefaultAllow || _rules.Count != other._rules.Count) return false;
        foreach ((Key k, string perms) in _rules)
            if (!other._rules.TryGetValue(k, out string? p) || p != perms) return false;
        return true;
    }

    private static string Union(string a, string b) => DeviceRule.NormalizePermissions(a + b);
    private static string Intersect(string a, string b) => Keep(a, b, inB: true);
    private static string Difference(string a, string b) => Keep(a, b, inB: false);

    /// <summary>The permissions of <paramref name="a"/> (in its order) that are, or are not, in <paramref name="b"/>.</summary>
    private static string Keep(string a, string b, bool inB)
    {
        char[] kept = new char[a.Length];
        int n = 0;
        foreach (char c in a)
            if (b.Contains(c) == inB) kept[n++] = c;
        return new string(kept, 0, n);
    }
}
