namespace Skiff.Cgroups.Devices;

/// <summary>An invalid device rule, or a failure to emulate, build, load or attach device rules (v1, v2, systemd).</summary>
public sealed class DeviceRuleException : CgroupException
{
    public DeviceRuleException(string message) : base(message) { }
    public DeviceRuleException(string message, Exception? inner) : base(message, inner) { }
}
