namespace Skiff.Linux;

/// <summary>Facts about the user namespace skiff itself runs in.</summary>
public static class UserNamespace
{
    /// <summary>Whether this process is in a user namespace other than the initial one (uid_map is not the
    /// identity map of the whole range).</summary>
    public static bool RunningInUserNs()
    {
        string? map = Libc.TryReadText("/proc/self/uid_map")?.Trim();
        if (map is null) return false;
        string[] f = map.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return !(f.Length == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295");
    }
}
