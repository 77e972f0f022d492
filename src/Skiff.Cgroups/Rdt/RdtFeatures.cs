using Skiff.Linux;

namespace Skiff.Cgroups.Rdt;

/// <summary>
/// What the resctrl filesystem offers (runc's featuresInit): CAT when info/L3 exists, MBA when info/MB exists
/// (or the mount has mba_MBps), monitoring when info/L3_MON exists. With a cpuinfo path, the CPU flags
/// (cat_l3, mba, cqm_*) must agree too, as runc checks /proc/cpuinfo.
/// </summary>
public sealed record RdtFeatures(bool RootExists, bool Cat, bool Mba, bool Monitoring)
{
    public static RdtFeatures Detect(string root, string? cpuinfoPath = null)
    {
        if (!Directory.Exists(root)) return new RdtFeatures(false, false, false, false);
        bool cat = true, mba = true, mon = true;
        if (cpuinfoPath is not null)
        {
            string[] flags = CpuFlags(cpuinfoPath);
            cat = flags.Contains("cat_l3");
            mba = flags.Contains("mba");
            mon = flags.Contains("cqm_mbm_total") || flags.Contains("cqm_mbm_local") || flags.Contains("cqm_occup_llc");
        }
        string info = Path.Combine(root, "info");
        return new RdtFeatures(
            true,
            cat && Directory.Exists(Path.Combine(info, "L3")),
            mba && Directory.Exists(Path.Combine(info, "MB")),
            mon && Directory.Exists(Path.Combine(info, "L3_MON")));
    }

    /// <summary>The first "flags" line of a /proc/cpuinfo, split into words (none if unreadable).</summary>
    internal static string[] CpuFlags(string cpuinfoPath)
    {
        try
        {
            foreach (string line in File.ReadLines(cpuinfoPath))
                if (line.StartsWith("flags", StringComparison.Ordinal))
                    return line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return [];
    }

    /// <summary>The mount point of the first resctrl filesystem in a mountinfo file, or null.</summary>
    public static string? FindMountpoint(string mountinfoPath = "/proc/self/mountinfo") =>
        MountInfoEntry.Read(mountinfoPath).FirstOrDefault(m => m.FsType == "resctrl")?.MountPoint;
}
