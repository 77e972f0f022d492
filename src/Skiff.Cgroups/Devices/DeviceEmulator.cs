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
    private readonly SortedDictionary<(char Type, long Major, long Minor), string> _rules = new();

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
            if (mm.Length != 2 || f[0].Length != 1 || f[2].Length == 0 || f[2].Any(c => c is not ('r' or 'w' or 'm')))
                throw new DeviceRuleException($"invalid devices.list line \"{line}\"");
            emu._rules[(f[0][0], ParseNumber(mm[0]), ParseNumber(mm[1]))] = DeviceRule.NormalizePermissions(f[2]);
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
        var key = (rule.Type, rule.Major, rule.Minor);
        if (rule.Allow == DefaultAllow)
            Remove(key, rule);
        else
            _rules[key] = Union(_rules.GetValueOrDefault(key, ""), rule.Permissions);
    }

    private void Remove((char Type, long Major, long Minor) key, DeviceRule rule)
    {
        // cgroup v1 silently ignores holes punched into a wildcard exception: refuse instead, as runc does.
        foreach (var partial in new[] { (key.Type, DeviceRule.Wildcard, key.Minor), (key.Type, key.Major, DeviceRule.Wildcard), (key.Type, DeviceRule.Wildcard, DeviceRule.Wildcard) })
        {
            if (partial == key) continue;
            if (_rules.TryGetValue(partial, out string? perms) && Intersect(perms, rule.Permissions).Length > 0)
                throw new DeviceRuleException(
                    $"requested rule [{rule.CgroupString()}] not supported by devices cgroupv1 (cannot punch hole in existing wildcard rule [{new DeviceRule(partial.Item1, partial.Item2, partial.Item3, perms, !DefaultAllow).CgroupString()}])");
        }
        if (!_rules.TryGetValue(key, out string? old)) return;
        string left = Difference(old, rule.Permissions);
        if (left.Length == 0) _rules.Remove(key);
        else _rules[key] = left;
    }

    /// <summary>The exceptions to <see cref="DefaultAllow"/>, sorted by (type, major, minor); each has Allow = !DefaultAllow.</summary>
    public IReadOnlyList<DeviceRule> Exceptions() =>
        _rules.Select(kv => new DeviceRule(kv.Key.Type, kv.Key.Major, kv.Key.Minor, kv.Value, !DefaultAllow)).ToList();

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
        IReadOnlyDictionary<(char Type, long Major, long Minor), string> old = _rules;
        if (DefaultAllow || DefaultAllow != target.DefaultAllow)
        {
            result.Add(new DeviceRule('a', DeviceRule.Wildcard, DeviceRule.Wildcard, "rwm", target.DefaultAllow));
            old = new Dictionary<(char, long, long), string>();
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
    public bool SameAs(DeviceEmulator other) =>
        DefaultAllow == other.DefaultAllow && _rules.Count == other._rules.Count &&
        _rules.All(kv => other._rules.TryGetValue(kv.Key, out string? p) && p == kv.Value);

    private static string Union(string a, string b) => DeviceRule.NormalizePermissions(a + b);
    private static string Intersect(string a, string b) => new(a.Where(b.Contains).ToArray());
    private static string Difference(string a, string b) => new(a.Where(c => !b.Contains(c)).ToArray());
}
