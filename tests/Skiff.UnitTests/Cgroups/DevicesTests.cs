using Skiff.Cgroups;
using Skiff.Cgroups.V1;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Cgroups;

public class DevicesTests
{
    private static LinuxDeviceCgroup Rule(bool allow, string? type, long? major, long? minor, string access) =>
        new() { Allow = allow, Type = type, Major = major, Minor = minor, Access = access };

    [Fact]
    public void Rendering()
    {
        Assert.Equal("c 1:3 rwm", DeviceRule.FromSpec(Rule(true, "c", 1, 3, "rwm"), 0).CgroupString);
        Assert.Equal("c 136:* rwm", DeviceRule.FromSpec(Rule(true, "c", 136, null, "rwm"), 0).CgroupString);
        Assert.Equal("b *:* m", DeviceRule.FromSpec(Rule(true, "b", null, null, "m"), 0).CgroupString);
        Assert.Equal("a *:* rwm", DeviceRule.FromSpec(Rule(false, null, null, null, "rwm"), 0).CgroupString);
        Assert.Equal("c 5:1 rw", DeviceRule.FromSpec(Rule(true, "c", 5, 1, "wr"), 0).CgroupString);
    }

    [Fact]
    public void InvalidRules()
    {
        Assert.Equal("invalid cgroup device type \"x\"",
            Assert.Throws<CgroupException>(() => DeviceRule.FromSpec(Rule(true, "x", 1, 1, "r"), 0)).Message);
        Assert.Equal("device access at 2 field cannot be empty",
            Assert.Throws<CgroupException>(() => DeviceRule.FromSpec(Rule(true, "c", 1, 1, ""), 2)).Message);
        Assert.Contains("invalid device access \"rx\"",
            Assert.Throws<CgroupException>(() => DeviceRule.FromSpec(Rule(true, "c", 1, 1, "rx"), 0)).Message);
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
        DeviceEmulator target = DeviceEmulator.Build(new[]
        {
            new DeviceRule('a', -1, -1, "rwm", false), new DeviceRule('c', 1, 3, "rwm", true),
            new DeviceRule('c', 1, 5, "r", true), new DeviceRule('c', 10, 200, "rwm", true),
        });
        Assert.Equal(new[] { "deny c 1:5 wm", "deny c 136:* rwm", "allow c 10:200 rwm" },
            current.Transition(target).Select(r => (r.Allow ? "allow " : "deny ") + r.CgroupString));
    }

    [Fact]
    public void AllowAll_ThenDenies_IsABlacklist()
    {
        DeviceEmulator target = DeviceEmulator.Build(new[]
        {
            new DeviceRule('a', -1, -1, "rwm", true), new DeviceRule('c', 10, 200, "rwm", false),
        });
        Assert.True(target.DefaultAllow);
        Assert.Equal(new[] { "allow a *:* rwm", "deny c 10:200 rwm" },
            DeviceEmulator.FromList("a *:* rwm").Transition(target).Select(r => (r.Allow ? "allow " : "deny ") + r.CgroupString));
    }

    [Fact]
    public void PunchingHoleInWildcard_IsRefused()
    {
        var ex = Assert.Throws<CgroupException>(() => DeviceEmulator.Build(new[]
        {
            new DeviceRule('c', 136, -1, "rwm", true), new DeviceRule('c', 136, 2, "w", false),
        }));
        Assert.Contains("cannot punch hole in existing wildcard rule [c 136:* rwm]", ex.Message);
    }
}
