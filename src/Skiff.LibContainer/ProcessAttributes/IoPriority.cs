using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// process.ioPriority: runc's validate.ioPriority (priority 0..7) and setIOPriority (class name → IOPRIO_CLASS_*,
/// ioprio_set on the process that will exec), with runc's messages.
/// </summary>
internal static class IoPriority
{
    /// <summary>The spec's class names and their IOPRIO_CLASS_* values.</summary>
    public static readonly IReadOnlyDictionary<string, int> Classes = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["IOPRIO_CLASS_RT"] = Libc.IOPRIO_CLASS_RT,
        ["IOPRIO_CLASS_BE"] = Libc.IOPRIO_CLASS_BE,
        ["IOPRIO_CLASS_IDLE"] = Libc.IOPRIO_CLASS_IDLE,
    };

    /// <summary>runc's checks: the priority is 0..7 and the class one of the three names.</summary>
    public static void Validate(LinuxIOPriority? ioprio)
    {
        if (ioprio is null) return;
        if (ioprio.Priority < 0 || ioprio.Priority > 7)
            throw new ContainerException($"invalid ioPriority.Priority: {ioprio.Priority}");
        Value(ioprio);
    }

    /// <summary>IOPRIO_PRIO_VALUE(class, priority).</summary>
    public static int Value(LinuxIOPriority ioprio) =>
        Classes.TryGetValue(ioprio.Class, out int cls)
            ? Libc.IoprioValue(cls, ioprio.Priority)
            : throw new ContainerException($"invalid io priority class: {ioprio.Class}");

    /// <summary>ioprio_set(IOPRIO_WHO_PROCESS, 0, …): the calling thread, which execs.</summary>
    public static void Apply(LinuxIOPriority? ioprio)
    {
        if (ioprio is null) return;
        int value = Value(ioprio);
        if (Libc.ioprio_set(Libc.IOPRIO_WHO_PROCESS, 0, value) < 0)
            throw new ContainerException("failed to set io priority", new SyscallException("ioprio_set", Check.LastErrno));
    }
}
