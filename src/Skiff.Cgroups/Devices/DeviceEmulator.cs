namespace Skiff.Cgroups.Devices;

/// <summary>
/// Replays rules as the v1 devices controller would (runc's devices emulator): an "a" rule resets to allow-all or
/// deny-all; other rules add or remove exceptions to that default. The result, <see cref="Rules"/>, is a default plus
/// exceptions that all carry the opposite action, so the order of exceptions no longer matters (the last rule in the
/// input wins, as in v1). Punching a hole in a wildcard exception is refused, as runc does.
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

    private static string Union(string a, string b) => DeviceRule.NormalizePermissions(a + b);
    private static string Intersect(string a, string b) => new(a.Where(b.Contains).ToArray());
    private static string Difference(string a, string b) => new(a.Where(c => !b.Contains(c)).ToArray());
}
