namespace Skiff.Cgroups.Devices;

/// <summary>An invalid device rule, or a failure to build, load or attach the device filter.</summary>
public sealed class DeviceRuleException : Exception
{
    public DeviceRuleException(string message) : base(message) { }
    public DeviceRuleException(string message, Exception? inner) : base(message, inner) { }
}
