namespace Skiff.Cgroups.Systemd;

/// <summary>runc's systemd naming rules: cgroupsPath "slice:prefix:name", the unit name, and ExpandSlice.</summary>
public static class UnitNames
{
    /// <summary>The slice a container goes to when cgroupsPath names none (runc's default for root).</summary>
    public const string DefaultSlice = "system.slice";

    /// <summary>The scope prefix when cgroupsPath is empty (runc uses "runc").</summary>
    public const string DefaultPrefix = "skiff";

    /// <summary>
    /// Splits linux.cgroupsPath for the systemd driver: "slice:prefix:name" (each part may be empty; an empty slice
    /// is <see cref="DefaultSlice"/>), or empty for system.slice, "skiff", the container id.
    /// </summary>
    public static (string Slice, string Prefix, string Name) Parse(string? cgroupsPath, string containerId)
    {
        if (string.IsNullOrEmpty(cgroupsPath)) return (DefaultSlice, DefaultPrefix, containerId);
        string[] parts = cgroupsPath.Split(':');
        if (parts.Length != 3)
            throw new CgroupException($"expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"{cgroupsPath}\" instead");
        string slice = parts[0].Length == 0 ? DefaultSlice : parts[0];
        return (slice, parts[1], parts[2]);
    }

    /// <summary>runc's getUnitName: a scope "prefix-name.scope" unless name is itself a slice.</summary>
    public static string Unit(string prefix, string name)
    {
        if (name.Length == 0) throw new CgroupException("systemd cgroup: the unit name is empty");
        if (name.Contains('/')) throw new CgroupException($"invalid unit name \"{name}\": no slashes allowed");
        if (name.EndsWith(".slice", StringComparison.Ordinal)) return name;
        return prefix.Length == 0 ? name + ".scope" : prefix + "-" + name + ".scope";
    }

    /// <summary>The unit name for a container's cgroupsPath (what state.json lets delete find again).</summary>
    public static string UnitFor(string? cgroupsPath, string containerId)
    {
        var (_, prefix, name) = Parse(cgroupsPath, containerId);
        return Unit(prefix, name);
    }

    /// <summary>
    /// runc's ExpandSlice: "a-b-c.slice" is /a.slice/a-b.slice/a-b-c.slice; "-.slice" is the root; a name must end
    /// in ".slice", have no "/" and no empty dash-separated component.
    /// </summary>
    public static string ExpandSlice(string slice)
    {
        const string suffix = ".slice";
        if (slice.Length < suffix.Length || !slice.EndsWith(suffix, StringComparison.Ordinal) || slice.Contains('/'))
            throw new CgroupException($"invalid slice name: {slice}");
        string name = slice[..^suffix.Length];
        if (name == "-") return "/";
        string path = "", prefix = "";
        foreach (string component in name.Split('-'))
        {
            if (component.Length == 0) throw new CgroupException($"invalid slice name: {slice}");
            path += "/" + prefix + component + suffix;
            prefix += component + "-";
        }
        return path;
    }
}
