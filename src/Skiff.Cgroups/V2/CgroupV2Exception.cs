namespace Skiff.Cgroups.V2;

/// <summary>A cgroup v2 error with its own context; the cause (often a SyscallException) is the InnerException.</summary>
public sealed class CgroupV2Exception : Exception
{
    public CgroupV2Exception(string message) : base(message) { }
    public CgroupV2Exception(string message, Exception? inner) : base(message, inner) { }
}
