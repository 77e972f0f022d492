using Skiff.Linux;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// CPU affinity of an exec'd process (runc 1.2 process_linux.go). Since Linux 5.7 the kernel spreads a task that
/// joins a cpuset over all of its cpus; real-time containers whose cpuset is made of isolated (nohz_full) cpus
/// want `exec` to land on a known cpu instead. The annotation <see cref="Annotation"/> asks for that:
/// "temporary" starts the bootstrap on the first eligible cpu and afterwards widens the affinity to the
/// container's cpuset; "definitive" leaves it on that cpu. Without it, the affinity is still reset to the
/// cgroup's effective cpus once the process joined the cgroup: since 6.2 a task keeps the affinity it had
/// (skiff's own) intersected with the new cpuset, which can leave it on fewer cpus than the container has.
/// </summary>
internal static class CpuAffinity
{
    public const string Annotation = "org.opencontainers.runc.exec.isolated-cpu-affinity-transition";

    /// <summary>
    /// The cpu to start the exec'd process on (-1: none) and whether to keep it there. <paramref name="root"/> is the
    /// root the kernel files are read from ("/"; tests pass a fake tree with proc/cmdline and
    /// sys/devices/system/cpu/nohz_full). An annotation value other than temporary/definitive is an error.
    /// </summary>
    public static (int Cpu, bool Definitive) Transition(string root, string? cpuset, IReadOnlyDictionary<string, string>? annotations)
    {
        string? transition = null;
        annotations?.TryGetValue(Annotation, out transition);
        bool definitive;
        switch (transition)
        {
            case null or "": return (-1, false);
            case "temporary": definitive = false; break;
            case "definitive": definitive = true; break;
            default: throw new ContainerException($"unknown transition value \"{transition}\" for annotation {Annotation}");
        }
        if (string.IsNullOrEmpty(cpuset)) return (-1, false);

        string? isolated = KernelParam(root, "nohz_full");
        if (string.IsNullOrEmpty(isolated))
        {
            // CONFIG_NO_HZ_FULL_ALL kernels have no boot parameter; sysfs lists the cpus.
            string? text = Libc.TryReadText(Path.Join(root, "sys/devices/system/cpu/nohz_full"));
            isolated = text?.Trim();
            if (string.IsNullOrEmpty(isolated) || isolated == "(null)") return (-1, false);
        }
        int cpu;
        try
        {
            cpu = EligibleCpu(cpuset, isolated);
        }
        catch (FormatException ex)
        {
            throw new ContainerException("getting eligible cpu", new ContainerException(ex.Message));
        }
        return cpu < 0 ? (-1, false) : (cpu, definitive);
    }

    /// <summary>
    /// The first eligible cpu of <paramref name="cpuset"/> given the isolated cpus, or -1: none when either list is
    /// empty or no cpu of the cpuset is isolated; the first cpu of the cpuset when all of its cpus are isolated; the
    /// first housekeeping (not isolated) cpu when the cpuset mixes both. Throws FormatException on a bad list.
    /// </summary>
    public static int EligibleCpu(string cpuset, string isolated)
    {
        if (string.IsNullOrEmpty(cpuset) || string.IsNullOrEmpty(isolated)) return -1;
        SortedSet<int> cpus = ParseListOrThrow(cpuset, "cpuset cpus");
        SortedSet<int> isol = ParseListOrThrow(isolated, "isolated cpus");
        // runc compares bit by bit only as far as the isolated mask reaches (whole bytes).
        int limit = (isol.Max / 8 + 1) * 8;
        int first = -1, housekeeping = -1, isolatedCount = 0;
        foreach (int cpu in cpus)
        {
            if (cpu >= limit) break;
            if (first < 0) first = cpu;
            if (isol.Contains(cpu)) isolatedCount++;
            else if (housekeeping < 0) housekeeping = cpu;
            if (housekeeping >= 0 && isolatedCount > 0) return housekeeping;
        }
        if (isolatedCount == 0) return -1;
        return housekeeping >= 0 ? housekeeping : first;
    }

    /// <summary>
    /// runc's tryResetCPUAffinity: every cpu for <paramref name="pid"/>, which the kernel narrows to its cpuset; a
    /// failure is only a warning (the process then keeps skiff's affinity).
    /// </summary>
    public static void TryReset(int pid)
    {
        Errno e = Libc.TrySetAffinityAll(pid);
        if (e != Errno.OK)
            Skiff.Linux.Logging.Log.Warn($"resetting the CPU affinity of pid {pid} failed -- the container process may inherit skiff's CPU affinity: sched_setaffinity: {e.Text()}");
    }

    /// <summary>The value of key=value on the kernel command line (root/proc/cmdline); null when absent or unreadable.</summary>
    public static string? KernelParam(string root, string key)
    {
        string? cmdline = Libc.TryReadText(Path.Join(root, "proc/cmdline"));
        if (cmdline is null) return null;
        foreach (string p in cmdline.Split((char[])[' ', '\t', '\n', '\r', '\0'], StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && p.AsSpan(0, eq).SequenceEqual(key)) return p[(eq + 1)..];
        }
        return null;
    }

    private static SortedSet<int> ParseListOrThrow(string list, string what)
    {
        try
        {
            return CpuList.Parse(list);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"parsing {what} list {list}: {ex.Message}");
        }
    }

}
