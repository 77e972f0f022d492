using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Configs;

/// <summary>
/// The device cgroup rules a container gets (runc's specconv): the spec's resources.devices, then runc's default
/// allowed devices (null, zero, full, random, urandom, tty, ptmx and /dev/pts, tun, and mknod of any device).
/// Devices listed in linux.devices are created in /dev but, as in runc, not allowed unless a rule says so.
/// </summary>
internal static class CgroupDevices
{
    private static readonly (string Type, long? Major, long? Minor, string Access)[] Defaults =
    [
        ("c", null, null, "m"),
        ("b", null, null, "m"),
        ("c", 1, 3, "rwm"),   // /dev/null
        ("c", 1, 8, "rwm"),   // /dev/random
        ("c", 1, 7, "rwm"),   // /dev/full
        ("c", 5, 0, "rwm"),   // /dev/tty
        ("c", 1, 5, "rwm"),   // /dev/zero
        ("c", 1, 9, "rwm"),   // /dev/urandom
        ("c", 136, null, "rwm"), // /dev/pts/*
        ("c", 5, 2, "rwm"),   // /dev/ptmx
        ("c", 10, 200, "rwm"), // /dev/net/tun
    ];

    public static List<LinuxDeviceCgroup> Effective(Spec spec)
    {
        var rules = new List<LinuxDeviceCgroup>(spec.Linux?.Resources?.Devices ?? []);
        foreach (var (type, major, minor, access) in Defaults)
            rules.Add(new LinuxDeviceCgroup { Allow = true, Type = type, Major = major, Minor = minor, Access = access });
        return rules;
    }
}
