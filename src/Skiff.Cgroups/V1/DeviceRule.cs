using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// One devices-cgroup rule: type 'a' (all), 'b' or 'c'; -1 major/minor is the wildcard; access is a subset of
/// "rwm". Rendered as the kernel reads and prints it: <c>c 1:3 rwm</c>, <c>c 136:* rwm</c>, <c>a *:* rwm</c>.
/// </summary>
public readonly record struct DeviceRule(char Type, long Major, long Minor, string Access, bool Allow)
{
    public const long Wildcard = -1;

    public override string ToString() => CgroupString;

    public string CgroupString =>
        $"{Type} {(Major == Wildcard ? "*" : Major.ToString(CultureInfo.InvariantCulture))}:" +
        $"{(Minor == Wildcard ? "*" : Minor.ToString(CultureInfo.InvariantCulture))} {Access}";

    /// <summary>The spec's rule (runc specconv): no type is 'a', no major/minor is '*', access must be given.</summary>
    public static DeviceRule FromSpec(LinuxDeviceCgroup d, int index)
    {
        string t = string.IsNullOrEmpty(d.Type) ? "a" : d.Type;
        if (t is not ("a" or "b" or "c")) throw new CgroupException($"invalid cgroup device type \"{t}\"");
        if (string.IsNullOrEmpty(d.Access))
            throw new CgroupException($"device access at {index} field cannot be empty");
        if (ParsePerms(d.Access) is not int perms)
            throw new CgroupException($"invalid device access \"{d.Access}\" at {index}: only r, w and m are allowed");
        return new DeviceRule(t[0], d.Major ?? Wildcard, d.Minor ?? Wildcard, RenderPerms(perms), d.Allow);
    }

    internal const int R = 1, W = 2, M = 4;

    internal static int? ParsePerms(string s)
    {
        int p = 0;
        foreach (char c in s)
        {
            p |= c switch { 'r' => R, 'w' => W, 'm' => M, _ => -1 };
            if (p < 0) return null;
        }
        return p;
    }

    internal static string RenderPerms(int p) =>
        ((p & R) != 0 ? "r" : "") + ((p & W) != 0 ? "w" : "") + ((p & M) != 0 ? "m" : "");
}
