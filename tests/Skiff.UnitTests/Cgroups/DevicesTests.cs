using Skiff.Cgroups;
using Skiff.Cgroups.Devices;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Cgroups;

public class DevicesTests
{
    private static LinuxDeviceCgroup Rule(bool allow, string? type, long? major, long? minor, string access) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    private static string One(LinuxDeviceCgroup rule) => Assert.Single(DeviceRule.FromSpec([rule])).CgroupString();

    [Fact]
    public void Rendering()
    {
        Assert.Equal("c 1:3 rwm", One(Rule(true, "c", 1, 3, "rwm")));
        Assert.Equal("c 136:* rwm", One(Rule(true, "c", 136, null, "rwm")));
        Assert.Equal("b *:* m", One(Rule(true, "b", null, null, "m")));
        Assert.Equal("a *:* rwm", One(Rule(false, null, null, null, "rwm")));
        Assert.Equal("c 5:1 rw", One(Rule(true, "c", 5, 1, "wr")));
    }

    [Fact]
    public void InvalidRules()
    {
        Assert.Equal("invalid cgroup device type \"x\"",
            Assert.Throws<DeviceRuleException>(() => DeviceRule.FromSpec([Rule(true, "x", 1, 1, "r")])).Message);
        Assert.Equal("device access at 2 field cannot be empty",
            Assert.Throws<DeviceRuleException>(() => DeviceRule.FromSpec(
                [Rule(true, "c", 1, 1, "r"), Rule(true, "c", 1, 2, "r"), Rule(true, "c", 1, 1, "")])).Message);
        Assert.Contains("invalid device access \"rx\"",
            Assert.Throws<DeviceRuleException>(() => DeviceRule.FromSpec([Rule(true, "c", 1, 1, "rx")])).Message);
        // the v1 controller refuses them through the same rule type, before writing anything
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        m.Apply(1);
        FakeHierarchy.Log(m).Clear();
        Assert.Throws<DeviceRuleException>(() => m.Set(new LinuxResources { Devices = [Rule(true, "c", 1, 1, "rx")] }));
        Assert.Empty(FakeHierarchy.Log(m));
    }

    [Fact]
    public void FreshCgroup_DenyAllThenAllows()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        m.Apply(1);
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources
        {
            Devices =
            [
                Rule(false, null, null, null, "rwm"), Rule(true, "c", 1, 3, "rwm"), Rule(true, "c", 136, null, "rwm"),
                Rule(true, "c", 1, 5, "rw"), Rule(true, "c", 1, 5, "m"), Rule(true, "b", null, null, "m"),
            ],
        });
        Assert.Equal(new[]
            {
                ("devices.deny", "a *:* rwm"), ("devices.allow", "b *:* m"), ("devices.allow", "c 1:3 rwm"),
                ("devices.allow", "c 1:5 rwm"), ("devices.allow", "c 136:* rwm"),
            },
            FakeHierarchy.Log(m).Select(w => (Path.GetFileName(w.Path), w.Data)));
    }

    [Fact]
    public void NoRules_DeniesEverything_NullLeavesAlone()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("c1", null, false, false, h.Roots);
        m.Apply(1);
        FakeHierarchy.Log(m).Clear();
        m.Set(new LinuxResources { Devices = null });
        Assert.Empty(FakeHierarchy.Log(m));
        m.Set(new LinuxResources { Devices = [] });
        Assert.Equal(new[] { ("devices.deny", "a *:* rwm") },
            FakeHierarchy.Log(m).Select(w => (Path.GetFileName(w.Path), w.Data)));
    }

    [Fact]
    public void Update_FromWhitelist_WritesOnlyTheDifference()
    {
        DeviceEmulator current = DeviceEmulator.FromList("c 1:3 rwm\nc 1:5 rwm\nc 136:* rwm\n");
        DeviceEmulator target = DeviceEmulator.FromRules(new[]
        {
            new DeviceRule('a', -1, -1, "rwm", false), new DeviceRule('c', 1, 3, "rwm", true),
            new DeviceRule('c', 1, 5, "r", true), new DeviceRule('c', 10, 200, "rwm", true),
        });
        Assert.Equal(new[] { "deny c 1:5 wm", "deny c 136:* rwm", "allow c 10:200 rwm" },
            current.Transition(target).Select(r => (r.Allow ? "allow " : "deny ") + r.CgroupString()));
    }

    [Fact]
    public void AllowAll_ThenDenies_IsABlacklist()
    {
        DeviceEmulator target = DeviceEmulator.FromRules(new[]
        {
            new DeviceRule('a', -1, -1, "rwm", true), new DeviceRule('c', 10, 200, "rwm", false),
        });
        Assert.True(target.DefaultAllow);
        Assert.Equal(new[] { "allow a *:* rwm", "deny c 10:200 rwm" },
            DeviceEmulator.FromList("a *:* rwm").Transition(target).Select(r => (r.Allow ? "allow " : "deny ") + r.CgroupString()));
    }

    [Fact]
    public void PunchingHoleInWildcard_IsRefused()
    {
        var ex = Assert.Throws<DeviceRuleException>(() => DeviceEmulator.FromRules(new[]
        {
            new DeviceRule('c', 136, -1, "rwm", true), new DeviceRule('c', 136, 2, "w", false),
        }));
        Assert.Contains("cannot punch hole in existing wildcard rule [c 136:* rwm]", ex.Message);
    }
}
