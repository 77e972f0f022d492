using Skiff.Cgroups.Devices;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// devices: writes the transition from the current devices.list to the spec's rules into devices.allow /
/// devices.deny, one rule per write (runc cgroups/devices/v1.go). Null Devices leaves the cgroup alone; an empty
/// list denies everything.
/// </summary>
internal sealed class DevicesController : Controller
{
    public override string Name => "devices";

    public override void Set(CgroupFs fs, string? dir, LinuxResources r)
    {
        if (r.Devices is null) return;
        DeviceEmulator target = DeviceEmulator.FromRules(DeviceRule.FromSpec(r.Devices));
        string? list = dir is null ? null : fs.TryRead(dir, "devices.list");
        // A fresh cgroup (or a fake one without devices.list) allows everything.
        DeviceEmulator current = list is null ? DeviceEmulator.FromList("a *:* rwm") : DeviceEmulator.FromList(list);
        foreach (DeviceRule rule in current.Transition(target))
            fs.Write(dir, rule.Allow ? "devices.allow" : "devices.deny", rule.CgroupString());

        if (fs.Fake || dir is null) return;
        // Safety net: the kernel's view must now be the target (exactly for a whitelist, by mode otherwise).
        DeviceEmulator after = DeviceEmulator.FromList(fs.Read(dir, "devices.list"));
        if (!target.DefaultAllow && !after.SameAs(target))
            throw new CgroupException("resulting devices cgroup doesn't precisely match target");
        if (target.DefaultAllow != after.DefaultAllow)
            throw new CgroupException("resulting devices cgroup doesn't match target mode");
    }
}
