using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// linux.personality: runc's specconv (domain "LINUX" or "LINUX32", flags unsupported and only warned about) and
/// setupPersonality (personality(2) before procReady, so before any seccomp filter: runc 1.4, #4900).
/// </summary>
internal static class Personality
{
    /// <summary>The spec's domain → PER_* value; "invalid personality domain X" otherwise.</summary>
    public static uint Domain(LinuxPersonality p) => p.Domain switch
    {
        "LINUX" => Libc.PER_LINUX,
        "LINUX32" => Libc.PER_LINUX32,
        _ => throw new ContainerException($"invalid personality domain {p.Domain}"),
    };

    /// <summary>Checks the domain; flags are accepted with runc's warning.</summary>
    public static void Validate(LinuxPersonality? p)
    {
        if (p is null) return;
        Domain(p);
        if (p.Flags is { Count: > 0 }) Log.Warn("specifying flags for personality is not supported");
    }

    /// <summary>personality(2); the persona is per process and survives execve.</summary>
    public static void Apply(LinuxPersonality? p)
    {
        if (p is null) return;
        if (Libc.personality(Domain(p)) < 0)
            throw new ContainerException("unable to set personality", new SyscallException("set_personality", Check.LastErrno));
    }
}
