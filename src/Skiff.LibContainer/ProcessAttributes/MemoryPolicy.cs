using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// linux.memoryPolicy (runtime-spec 1.3, runc 1.4): specconv's conversion (mode and flag names, the node list),
/// validate's node-count rules, and set_mempolicy(2) by init and by exec'd processes just before procReady (runc's
/// setupMemoryPolicy), so the policy holds for the container's process and everything it forks.
/// </summary>
internal static class MemoryPolicy
{
    /// <summary>Mode names (the spec's) → MPOL_* and the kernel release that brought the mode.</summary>
    public static readonly IReadOnlyDictionary<string, (int Value, string Since)> Modes =
        new Dictionary<string, (int, string)>(StringComparer.Ordinal)
        {
            ["MPOL_DEFAULT"] = (Libc.MPOL_DEFAULT, "2.6.7"),
            ["MPOL_PREFERRED"] = (Libc.MPOL_PREFERRED, "2.6.7"),
            ["MPOL_BIND"] = (Libc.MPOL_BIND, "2.6.7"),
            ["MPOL_INTERLEAVE"] = (Libc.MPOL_INTERLEAVE, "2.6.7"),
            ["MPOL_LOCAL"] = (Libc.MPOL_LOCAL, "3.8"),
            ["MPOL_PREFERRED_MANY"] = (Libc.MPOL_PREFERRED_MANY, "5.15"),
            ["MPOL_WEIGHTED_INTERLEAVE"] = (Libc.MPOL_WEIGHTED_INTERLEAVE, "6.9"),
        };

    /// <summary>Flag names → MPOL_F_* and the kernel release that brought the flag.</summary>
    public static readonly IReadOnlyDictionary<string, (int Value, string Since)> Flags =
        new Dictionary<string, (int, string)>(StringComparer.Ordinal)
        {
            ["MPOL_F_NUMA_BALANCING"] = (Libc.MPOL_F_NUMA_BALANCING, "5.12"),
            ["MPOL_F_RELATIVE_NODES"] = (Libc.MPOL_F_RELATIVE_NODES, "2.6.26"),
            ["MPOL_F_STATIC_NODES"] = (Libc.MPOL_F_STATIC_NODES, "2.6.26"),
        };

    /// <summary>The converted policy: mode, OR-ed flags, nodes.</summary>
    public readonly record struct Policy(int Mode, int Flags, IReadOnlyCollection<int> Nodes);

    /// <summary>specconv then validate, with runc's messages. Null in, null out.</summary>
    public static Policy? Convert(LinuxMemoryPolicy? spec)
    {
        if (spec is null) return null;
        if (!Modes.TryGetValue(spec.Mode, out var mode))
            throw new ContainerException($"invalid memory policy mode \"{spec.Mode}\"");
        IReadOnlyCollection<int> nodes = [];
        if (!string.IsNullOrEmpty(spec.Nodes))
        {
            try { nodes = CpuList.Parse(spec.Nodes); }
            catch (FormatException ex)
            {
                throw new ContainerException($"invalid memory policy nodes \"{spec.Nodes}\"", new ContainerException(ex.Message));
            }
        }
        int flags = 0;
        foreach (string f in spec.Flags ?? [])
        {
            if (!Flags.TryGetValue(f, out var flag)) throw new ContainerException($"invalid memory policy flag \"{f}\"");
            flags |= flag.Value;
        }
        switch (mode.Value)
        {
            case Libc.MPOL_DEFAULT or Libc.MPOL_LOCAL when nodes.Count != 0:
                throw new ContainerException($"memory policy mode requires 0 nodes but got {nodes.Count}");
            case Libc.MPOL_BIND or Libc.MPOL_INTERLEAVE or Libc.MPOL_PREFERRED_MANY or Libc.MPOL_WEIGHTED_INTERLEAVE when nodes.Count == 0:
                throw new ContainerException("memory policy mode requires at least one node but got 0");
        }
        return new Policy(mode.Value, flags, nodes);
    }

    /// <summary>set_mempolicy on the calling thread (the one that execs). EINVAL names what the kernel may lack.</summary>
    public static void Apply(LinuxMemoryPolicy? spec)
    {
        if (Convert(spec) is not { } p) return;
        Errno e = Libc.SetMempolicy(p.Mode | p.Flags, p.Nodes);
        if (e == Errno.OK) return;
        var err = new SyscallException("set_mempolicy", e);
        if (e == Errno.EINVAL && Unsupported(spec!, Libc.KernelRelease()) is string why)
            throw new ContainerException(why, err);
        throw err;
    }

    /// <summary>
    /// Why the kernel <paramref name="release"/> (uname -r) refuses <paramref name="spec"/>, when a mode or flag it
    /// asks for is newer than that kernel; null when nothing it asks for is too new (the nodes are then at fault).
    /// </summary>
    public static string? Unsupported(LinuxMemoryPolicy spec, string release)
    {
        var running = ParseRelease(release);
        if (running is null) return null;
        if (Modes.TryGetValue(spec.Mode, out var m) && running < ParseRelease(m.Since))
            return $"memory policy mode {spec.Mode} is not supported by this kernel ({release}; it needs Linux {m.Since} or later)";
        foreach (string f in spec.Flags ?? [])
        {
            if (Flags.TryGetValue(f, out var fl) && running < ParseRelease(fl.Since))
                return $"memory policy flag {f} is not supported by this kernel ({release}; it needs Linux {fl.Since} or later)";
        }
        return null;
    }


    /// <summary>"6.9.0-1-amd64" → 6.9.0; null when it does not start with numbers.</summary>
    private static Version? ParseRelease(string release)
    {
        var parts = new List<int>(3);
        foreach (string piece in release.Split('.', 3))
        {
            int n = 0, i = 0;
            while (i < piece.Length && char.IsAsciiDigit(piece[i])) n = n * 10 + (piece[i++] - '0');
            if (i == 0) break;
            parts.Add(n);
            if (i < piece.Length) break;
        }
        if (parts.Count < 2) return null;
        return new Version(parts[0], parts[1], parts.Count > 2 ? parts[2] : 0);
    }
}
