using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>process.rlimits, set by the parent on the init process with prlimit (runc's setupRlimits).</summary>
internal static class Rlimits
{
    private static readonly Dictionary<string, int> s_resources = new(StringComparer.Ordinal)
    {
        ["RLIMIT_CPU"] = 0, ["RLIMIT_FSIZE"] = 1, ["RLIMIT_DATA"] = 2, ["RLIMIT_STACK"] = 3, ["RLIMIT_CORE"] = 4,
        ["RLIMIT_RSS"] = 5, ["RLIMIT_NPROC"] = 6, ["RLIMIT_NOFILE"] = 7, ["RLIMIT_MEMLOCK"] = 8, ["RLIMIT_AS"] = 9,
        ["RLIMIT_LOCKS"] = 10, ["RLIMIT_SIGPENDING"] = 11, ["RLIMIT_MSGQUEUE"] = 12, ["RLIMIT_NICE"] = 13,
        ["RLIMIT_RTPRIO"] = 14, ["RLIMIT_RTTIME"] = 15,
    };

    public static IReadOnlyCollection<string> Names => s_resources.Keys;

    /// <summary>"RLIMIT_NOFILE" → 7. Unknown names fail with runc's text: <c>wrong rlimit value: RLIMIT_X</c>.</summary>
    public static int ResourceFromName(string type) =>
        s_resources.TryGetValue(type, out int r) ? r : throw new ContainerException("wrong rlimit value: " + type);

    /// <summary>prlimit(pid, ...) for each; fails as runc: <c>error setting rlimit type 7: operation not permitted</c>.</summary>
    public static void Set(int pid, IEnumerable<PosixRlimit> rlimits)
    {
        foreach (PosixRlimit rl in rlimits)
        {
            int resource = ResourceFromName(rl.Type);
            Errno e = Libc.TrySetRlimit(pid, resource, new Rlimit { Cur = rl.Soft, Max = rl.Hard });
            if (e != Errno.OK) throw new ContainerException($"error setting rlimit type {resource}: {e.Text()}");
        }
    }
}
