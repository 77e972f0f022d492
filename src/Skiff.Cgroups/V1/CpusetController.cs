using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// cpuset: cpus and mems (runc fs/cpuset.go). A new v1 cpuset cgroup starts with empty cpus/mems and refuses
/// tasks, so Apply fills every new level from its parent first, then writes the requested values.
/// </summary>
internal sealed class CpusetController : Controller
{
    public override string Name => "cpuset";

    public override void Apply(CgroupFs fs, string dir, LinuxResources? r, int pid)
    {
        // Start with the parent: inheriting explicitly could conflict with cpuset.cpu_exclusive.
        EnsureParent(fs, Path.GetDirectoryName(dir)!);
        MkdirAll(dir);
        if (r is not null) Set(fs, dir, r);
        CopyIfNeeded(fs, dir, Path.GetDirectoryName(dir)!);
        WriteProc(fs, dir, pid);
    }

    public override void Prepare(CgroupFs fs, string dir)
    {
        EnsureParent(fs, Path.GetDirectoryName(dir)!);
        MkdirAll(dir);
    }

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        if (r.Cpu?.Cpus is { Length: > 0 } cpus)
        {
            Validate("cpuset.cpus", cpus);
            fs.Write(dir, "cpuset.cpus", cpus);
        }
        if (r.Cpu?.Mems is { Length: > 0 } mems)
        {
            Validate("cpuset.mems", mems);
            fs.Write(dir, "cpuset.mems", mems);
        }
    }

    /// <summary>Creates the missing levels down from the hierarchy root, each filled from its parent.</summary>
    private static void EnsureParent(CgroupFs fs, string current)
    {
        string? parent = Path.GetDirectoryName(current);
        if (parent is null) return;
        // The hierarchy root is the last directory with cpuset files; a missing parent will be created.
        if (Directory.Exists(parent) && !fs.Exists(parent, "cpuset.cpus")) return;
        EnsureParent(fs, parent);
        MkdirAll(current);
        CopyIfNeeded(fs, current, parent);
    }

    private static void CopyIfNeeded(CgroupFs fs, string current, string parent)
    {
        string curCpus = ReadSetting(fs, current, "cpuset.cpus"), curMems = ReadSetting(fs, current, "cpuset.mems");
        string parCpus = ReadSetting(fs, parent, "cpuset.cpus"), parMems = ReadSetting(fs, parent, "cpuset.mems");
        if (IsEmpty(curCpus)) fs.Write(current, "cpuset.cpus", parCpus);
        if (IsEmpty(curMems)) fs.Write(current, "cpuset.mems", parMems);
    }

    private static string ReadSetting(CgroupFs fs, string dir, string file) =>
        fs.Fake ? fs.TryRead(dir, file) ?? "" : fs.Read(dir, file);

    private static bool IsEmpty(string s) => s is "" or "\n";

    /// <summary>
    /// Checks the kernel's list syntax ("0-3,5", ranges with an optional ":used/group" stride) so a typo gets a
    /// clear message instead of a bare EINVAL from the write.
    /// </summary>
    internal static void Validate(string file, string value)
    {
        foreach (string part in value.Trim().Split(','))
        {
            if (!IsListItem(part.Trim()))
                throw new CgroupException(
                    $"invalid {file} value \"{value}\": expected a list of numbers and ranges such as \"0-2,4\"");
        }
    }

    private static bool IsListItem(string s)
    {
        string range = s, stride = "";
        int colon = s.IndexOf(':');
        if (colon >= 0)
        {
            range = s[..colon];
            stride = s[(colon + 1)..];
        }
        int dash = range.IndexOf('-');
        if (dash < 0) return colon < 0 && IsNumber(range);
        string lo = range[..dash], hi = range[(dash + 1)..];
        if (!IsNumber(lo) || !IsNumber(hi) || ulong.Parse(lo) > ulong.Parse(hi)) return false;
        if (colon < 0) return true;
        int slash = stride.IndexOf('/');
        return slash > 0 && IsNumber(stride[..slash]) && IsNumber(stride[(slash + 1)..]);
    }

    private static bool IsNumber(string s) => s.Length is > 0 and <= 9 && s.All(char.IsAsciiDigit);
}
