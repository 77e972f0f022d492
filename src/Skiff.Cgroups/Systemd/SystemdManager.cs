namespace Skiff.Cgroups.Systemd;

internal static class SystemdManager
{
    public static ICgroupManager Create(string containerId, string? cgroupsPath, RuntimeSpec.LinuxResources? resources, string? v2Root) =>
        throw new CgroupException("systemd cgroup driver is not supported yet");

    public static ICgroupManager Load(string unit, ICgroupManager inner) => inner;
}
