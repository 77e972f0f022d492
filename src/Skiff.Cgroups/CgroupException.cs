namespace Skiff.Cgroups;

/// <summary>
/// A cgroup failure with its own context; the cause (often a <see cref="Skiff.Linux.SyscallException"/> naming the
/// file) is the InnerException, so the rendered chain reads like runc's
/// <c>failed to write "abc": write /sys/fs/cgroup/cpuset/x/cpuset.cpus: invalid argument</c>.
/// </summary>
public class CgroupException : Exception
{
    public CgroupException(string message) : base(message) { }
    public CgroupException(string message, Exception? inner) : base(message, inner) { }
}
