using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.Devices;

/// <summary>
/// One device cgroup rule (runc's devices.Rule): type 'a' (all), 'b' or 'c'; major/minor -1 for any;
/// permissions a subset of "rwm", kept in that canonical order.
/// </summary>
public sealed record DeviceRule(char Type, long Major, long Minor, string Permissions, bool Allow)
{
    public const long Wildcard = -1;

    /// <summary>Converts the spec's resources.devices, validating as runc's specconv (type, empty or bad access).</summary>
    public static List<DeviceRule> FromSpec(IEnumerable<LinuxDeviceCgroup> rules)
    {
        var list = new List<DeviceRule>();
        int i = 0;
        foreach (LinuxDeviceCgroup d in rules)
        {
            string t = string.IsNullOrEmpty(d.Type) ? "a" : d.Type;
            if (t is not ("a" or "b" or "c")) throw new DeviceRuleException($"invalid cgroup device type \"{t}\"");
            if (string.IsNullOrEmpty(d.Access)) throw new DeviceRuleException($"device access at {i} field cannot be empty");
            list.Add(new DeviceRule(t[0], d.Major ?? Wildcard, d.Minor ?? Wildcard, NormalizePermissions(d.Access), d.Allow));
            i++;
        }
        return list;
    }

    /// <summary>"wmr" → "rwm"; anything but r, w, m is an error.</summary>
    public static string NormalizePermissions(string access)
    {
        bool r = false, w = false, m = false;
        foreach (char ch in access)
        {
            switch (ch)
            {
                case 'r': r = true; break;
                case 'w': w = true; break;
                case 'm': m = true; break;
                default: throw new DeviceRuleException($"invalid device access \"{access}\": unknown permission '{ch}' (only r, w, m)");
            }
        }
        return (r ? "r" : "") + (w ? "w" : "") + (m ? "m" : "");
    }

    /// <summary>The v1 devices.allow/deny form: "c 1:3 rwm", "a *:* rwm".</summary>
    public string CgroupString() =>
        $"{Type} {(Major == Wildcard ? "*" : Major.ToString(System.Globalization.CultureInfo.InvariantCulture))}:" +
        $"{(Minor == Wildcard ? "*" : Minor.ToString(System.Globalization.CultureInfo.InvariantCulture))} {Permissions}";
}
