namespace Skiff.IntegrationTests.Harness;

/// <summary>Reading /proc/PID/mountinfo text: the mount point (field 5), major:minor (3), per-mount options (6) and
/// filesystem type (first field after " - ") of each line.</summary>
public static class MountInfo
{
    /// <summary>Every mount whose mount point is <paramref name="under"/> or below it, in mountinfo order.</summary>
    public static List<(string Point, string MajMin, string[] Options, string FsType)> Under(string mountinfo, string under) =>
        mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (Pre: l[..l.IndexOf(" - ", StringComparison.Ordinal)].Split(' '), Post: l[(l.IndexOf(" - ", StringComparison.Ordinal) + 3)..].Split(' ')))
            .Select(x => (Point: Leaks.Unoctal(x.Pre[4]), MajMin: x.Pre[2], Options: x.Pre[5].Split(','), FsType: x.Post[0]))
            .Where(m => m.Point == under || m.Point.StartsWith(under + "/", StringComparison.Ordinal))
            .ToList();

    /// <summary>The per-mount options of the topmost mount on <paramref name="point"/>, or null if none.</summary>
    public static string[]? Options(string mountinfo, string point) =>
        Under(mountinfo, point).LastOrDefault(m => m.Point == point).Options;
}
