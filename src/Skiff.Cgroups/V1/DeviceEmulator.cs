using System.Globalization;

namespace Skiff.Cgroups.V1;

/// <summary>
/// The state of a v1 devices cgroup, after runc's devices emulator: a default (allow-all "blacklist" or
/// deny-all "whitelist") plus exception rules. Used to compute the minimal writes turning the current state
/// (devices.list) into the requested one.
/// </summary>
internal sealed class DeviceEmulator
{
    public bool DefaultAllow { get; private set; }

    /// <summary>(type, major, minor) → rwm bits.</summary>
    public SortedDictionary<(char Type, long Major, long Minor), int> Rules { get; } = new();

    /// <summary>The target state: deny-all, then the rules in order (an 'a' rule resets the default).</summary>
    public static DeviceEmulator Build(IEnumerable<DeviceRule> rules)
    {
        var e = new DeviceEmulator();
        foreach (DeviceRule r in rules) e.Apply(r);
        return e;
    }

    /// <summary>The current state as the kernel lists it ("a *:* rwm" alone means allow-all).</summary>
    public static DeviceEmulator FromList(string list)
    {
        var e = new DeviceEmulator();
        foreach (string raw in list.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0) continue;
            if (line == "a *:* rwm")
            {
                e.DefaultAllow = true;
                e.Rules.Clear();
                continue;
            }
            string[] f = line.Split(' ');
            string[] mm = f.Length == 3 ? f[1].Split(':') : [];
            if (mm.Length != 2 || f[0].Length != 1 || DeviceRule.ParsePerms(f[2]) is not int perms)
                throw new CgroupException($"invalid devices.list line \"{line}\"");
            e.Rules[(f[0][0], ParseNum(mm[0]), ParseNum(mm[1]))] = perms;
        }
        return e;
    }

    private static long ParseNum(string s) =>
        s == "*" ? DeviceRule.Wildcard
        : long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long v) ? v
        : throw new CgroupException($"invalid device number \"{s}\" in devices.list");

    public void Apply(DeviceRule rule)
    {
        int perms = DeviceRule.ParsePerms(rule.Access) ?? 0;
        if (rule.Type == 'a')
        {
            // A wildcard-type rule switches the default and drops every exception.
            DefaultAllow = rule.Allow;
            Rules.Clear();
            return;
        }
        var key = (rule.Type, rule.Major, rule.Minor);
        // In allow-all mode an allow rule removes a deny exception, and vice versa.
        if (rule.Allow == DefaultAllow) Remove(key, perms);
        else Rules[key] = Rules.GetValueOrDefault(key) | perms;
    }

    private void Remove((char Type, long Major, long Minor) key, int perms)
    {
        // cgroup v1 silently ignores holes punched into a wildcard exception: refuse instead, as runc does.
        foreach (var partial in new[] { (key.Type, DeviceRule.Wildcard, key.Minor), (key.Type, key.Major, DeviceRule.Wildcard),
                     (key.Type, DeviceRule.Wildcard, DeviceRule.Wildcard) })
        {
            if (partial == key) continue;
            if ((Rules.GetValueOrDefault(partial) & perms) != 0)
                throw new CgroupException(
                    $"requested rule [{Render(key, perms)}] not supported by devices cgroupv1 " +
                    $"(cannot punch hole in existing wildcard rule [{Render(partial, Rules[partial])}])");
        }
        int left = Rules.GetValueOrDefault(key) & ~perms;
        if (left == 0) Rules.Remove(key);
        else Rules[key] = left;
    }

    private static string Render((char Type, long Major, long Minor) k, int perms) =>
        new DeviceRule(k.Type, k.Major, k.Minor, DeviceRule.RenderPerms(perms), true).CgroupString;

    /// <summary>
    /// The writes from this state to <paramref name="target"/>. An allow-all source (whose deny exceptions
    /// devices.list does not show) or a change of default starts with the disruptive "a *:* rwm" rule.
    /// </summary>
    public List<DeviceRule> Transition(DeviceEmulator target)
    {
        var result = new List<DeviceRule>();
        IReadOnlyDictionary<(char Type, long Major, long Minor), int> old = Rules;
        if (DefaultAllow || DefaultAllow != target.DefaultAllow)
        {
            result.Add(new DeviceRule('a', DeviceRule.Wildcard, DeviceRule.Wildcard, "rwm", target.DefaultAllow));
            old = new Dictionary<(char, long, long), int>();
        }
        foreach (var (k, perms) in old)
        {
            int dropped = perms & ~target.Rules.GetValueOrDefault(k);
            if (dropped != 0)
                result.Add(new DeviceRule(k.Type, k.Major, k.Minor, DeviceRule.RenderPerms(dropped), target.DefaultAllow));
        }
        foreach (var (k, perms) in target.Rules)
        {
            int gained = perms & ~old.GetValueOrDefault(k);
            if (gained != 0)
                result.Add(new DeviceRule(k.Type, k.Major, k.Minor, DeviceRule.RenderPerms(gained), !target.DefaultAllow));
        }
        return result;
    }

    public bool SameAs(DeviceEmulator other) =>
        DefaultAllow == other.DefaultAllow && Rules.Count == other.Rules.Count &&
        Rules.All(kv => other.Rules.TryGetValue(kv.Key, out int p) && p == kv.Value);
}
