using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Configs;

/// <summary>
/// uid/gid mappings of a user namespace (runc's configs.IDMap helpers): the host id of a container id
/// (Config.HostUID), the mapping check the kernel would make on uid_map (no two ranges may overlap, on either
/// side), equality, and reading an existing namespace's map back from /proc.
/// </summary>
public static class IdMappings
{
    /// <summary>The host id <paramref name="containerId"/> maps to, or null when no range holds it.</summary>
    public static uint? HostId(IReadOnlyList<LinuxIdMapping>? mappings, uint containerId)
    {
        foreach (var m in mappings ?? [])
        {
            ulong start = m.ContainerId, end = (ulong)m.ContainerId + m.Size;
            if (containerId >= start && containerId < end) return (uint)(m.HostId + (containerId - m.ContainerId));
        }
        return null;
    }

    /// <summary>
    /// runc's Config.HostUID/HostGID for a container with a user namespace: the host id of
    /// <paramref name="containerId"/>, or runc's error ("user namespaces enabled, but no mapping found for uid 0").
    /// </summary>
    public static uint HostIdOrThrow(IReadOnlyList<LinuxIdMapping>? mappings, uint containerId, string kind)
    {
        if (mappings is not { Count: > 0 })
            throw new ContainerException($"user namespaces enabled, but no {kind} mappings found");
        return HostId(mappings, containerId)
            ?? throw new ContainerException($"user namespaces enabled, but no mapping found for {kind} {containerId}");
    }

    /// <summary>
    /// The checks the kernel makes when uid_map/gid_map is written (kernel/user_namespace.c map_write), made
    /// early so that a bad config fails with a clear message instead of nsexec's EINVAL: every range non-empty
    /// and not wrapping around, and no two ranges overlapping on the container side nor on the host side.
    /// <paramref name="field"/> names the config field in the message ("uidMappings").
    /// </summary>
    public static void CheckRanges(IReadOnlyList<LinuxIdMapping>? mappings, string field)
    {
        var list = mappings ?? [];
        for (int i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a.Size == 0) throw new ContainerException($"invalid {field}: {Show(a)}: size must not be 0");
            if ((ulong)a.ContainerId + a.Size > uint.MaxValue + 1UL || (ulong)a.HostId + a.Size > uint.MaxValue + 1UL)
                throw new ContainerException($"invalid {field}: {Show(a)}: range exceeds the 32-bit id space");
            for (int j = 0; j < i; j++)
            {
                var b = list[j];
                if (Overlap(a.ContainerId, b.ContainerId, a.Size, b.Size))
                    throw new ContainerException($"invalid {field}: container ids of {Show(b)} and {Show(a)} overlap");
                if (Overlap(a.HostId, b.HostId, a.Size, b.Size))
                    throw new ContainerException($"invalid {field}: host ids of {Show(b)} and {Show(a)} overlap");
            }
        }
    }

    /// <summary>runc's sameMapping/IsSameMapping: same ranges in the same order.</summary>
    public static bool Same(IReadOnlyList<LinuxIdMapping>? a, IReadOnlyList<LinuxIdMapping>? b)
    {
        a ??= [];
        b ??= [];
        if (a.Count != b.Count) return false;
        for (int i = 0; i < a.Count; i++)
            if (a[i].ContainerId != b[i].ContainerId || a[i].HostId != b[i].HostId || a[i].Size != b[i].Size) return false;
        return true;
    }

    /// <summary>Parses /proc/PID/uid_map text ("         0     100000      65536" per line).</summary>
    public static List<LinuxIdMapping> Parse(string text)
    {
        var list = new List<LinuxIdMapping>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 3) throw new FormatException($"bad id map line \"{line}\"");
            list.Add(new LinuxIdMapping
            {
                ContainerId = uint.Parse(f[0], CultureInfo.InvariantCulture),
                HostId = uint.Parse(f[1], CultureInfo.InvariantCulture),
                Size = uint.Parse(f[2], CultureInfo.InvariantCulture),
            });
        }
        return list;
    }

    /// <summary>
    /// The uid and gid maps of the user namespace at <paramref name="nsPath"/> when it is a
    /// /proc/PID/ns/user path (read from /proc/PID/uid_map and gid_map); null when they cannot be read.
    /// </summary>
    public static (List<LinuxIdMapping> Uid, List<LinuxIdMapping> Gid)? OfNamespacePath(string nsPath)
    {
        string clean = DefaultSpec.CleanPath(nsPath);
        if (!clean.StartsWith("/proc/", StringComparison.Ordinal) || !clean.EndsWith("/ns/user", StringComparison.Ordinal))
            return null;
        string dir = clean[..^"/ns/user".Length];
        try
        {
            return (Parse(File.ReadAllText(dir + "/uid_map")), Parse(File.ReadAllText(dir + "/gid_map")));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return null;
        }
    }

    private static bool Overlap(uint a, uint b, uint sizeA, uint sizeB) =>
        (ulong)a < (ulong)b + sizeB && (ulong)b < (ulong)a + sizeA;

    private static string Show(LinuxIdMapping m) =>
        $"{{containerID: {m.ContainerId}, hostID: {m.HostId}, size: {m.Size}}}";
}
