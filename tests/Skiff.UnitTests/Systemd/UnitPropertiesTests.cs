using Skiff.Cgroups.Systemd;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Systemd;

/// <summary>The unit properties runc sets, from the resources (v1 and v2 names), and their D-Bus encoding.</summary>
public sealed class UnitPropertiesTests
{
    // the last value of each name, as systemd applies them in order
    private static Dictionary<string, object> ByName(IEnumerable<UnitProperty> props)
    {
        var d = new Dictionary<string, object>();
        foreach (var p in props) d[p.Name] = p.Value;
        return d;
    }

    [Fact]
    public void AScopeIsDelegatedInItsSliceWithThePid()
    {
        var p = ByName(UnitProperties.ForStart("c1", "skiff-c1.scope", "system.slice", 42, v2: true, null));
        Assert.Equal("skiff container c1", p["Description"]);
        Assert.Equal("system.slice", p["Slice"]);
        Assert.Equal(true, p["Delegate"]);
        Assert.Equal(new uint[] { 42 }, p["PIDs"]);
        Assert.Equal(false, p["DefaultDependencies"]);
        Assert.Equal(true, p["IOAccounting"]);
        Assert.False(p.ContainsKey("BlockIOAccounting"));
    }

    [Fact]
    public void ASliceUnitWantsItsParentAndIsNotDelegated()
    {
        var p = ByName(UnitProperties.ForStart("c1", "my.slice", "system.slice", -1, v2: true, null));
        Assert.Equal(new[] { "system.slice" }, p["Wants"]);
        Assert.False(p.ContainsKey("Delegate"));
        Assert.False(p.ContainsKey("PIDs"));
    }

    [Fact]
    public void V2ResourcesUseV2Names()
    {
        var r = new LinuxResources
        {
            Memory = new LinuxMemory { Limit = 1 << 20, Reservation = 1 << 19, Swap = 2 << 20 },
            Cpu = new LinuxCpu { Shares = 1024, Quota = 50000, Period = 100000, Cpus = "0-2,7" },
            Pids = new LinuxPids { Limit = 100 },
        };
        var p = ByName(UnitProperties.ForResources(r, v2: true));
        Assert.Equal((ulong)(1 << 20), p["MemoryMax"]);
        Assert.Equal((ulong)(1 << 19), p["MemoryLow"]);
        Assert.Equal((ulong)(1 << 20), p["MemorySwapMax"]); // v1 memory+swap 2M, memory 1M: 1M of swap
        Assert.Equal(100UL, p["CPUWeight"]); // runc 1.4's shares to weight: the v1 default is the v2 default
        Assert.Equal(500000UL, p["CPUQuotaPerSecUSec"]);
        Assert.Equal(100000UL, p["CPUQuotaPeriodUSec"]);
        Assert.Equal(100UL, p["TasksMax"]);
        Assert.Equal(new byte[] { 0x87 }, p["AllowedCPUs"]);
    }

    [Fact]
    public void V1ResourcesUseV1Names()
    {
        var r = new LinuxResources { Memory = new LinuxMemory { Limit = 4096 }, Cpu = new LinuxCpu { Shares = 512 }, BlockIO = new LinuxBlockIO { Weight = 300 } };
        var p = ByName(UnitProperties.ForResources(r, v2: false));
        Assert.Equal(4096UL, p["MemoryLimit"]);
        Assert.Equal(512UL, p["CPUShares"]);
        Assert.Equal(300UL, p["BlockIOWeight"]);
        Assert.False(p.ContainsKey("MemoryMax"));
    }

    [Theory]
    [InlineData(12345, 100000UL, 130000UL)] // 123450 us/s rounded up to whole percents
    [InlineData(-1, 0UL, ulong.MaxValue)]   // no quota: infinity
    [InlineData(50000, 0UL, 500000UL)]      // default period 100ms
    public void CpuQuotaIsRoundedAsRunc(long quota, ulong period, ulong perSec)
    {
        var props = new List<UnitProperty>();
        UnitProperties.AddCpuQuota(props, quota, period);
        Assert.Equal(perSec, ByName(props)["CPUQuotaPerSecUSec"]);
    }

    [Fact]
    public void UnlimitedPidsIsInfinity() =>
        Assert.Equal(ulong.MaxValue, ByName(UnitProperties.ForResources(new LinuxResources { Pids = new LinuxPids { Limit = -1 } }, true))["TasksMax"]);

    [Fact]
    public void ZeroPidsIsTasksMaxOne() =>
        Assert.Equal(1UL, ByName(UnitProperties.ForResources(new LinuxResources { Pids = new LinuxPids { Limit = 0 } }, true))["TasksMax"]);

    [Fact]
    public void DeviceAllowIsClearedBeforeThePolicyAndTheListComeAfter()
    {
        var props = UnitProperties.Devices([new() { Allow = false, Access = "rwm" }, new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" }]).ToList();
        Assert.Equal(["DeviceAllow", "DevicePolicy", "DeviceAllow"], props.Select(p => p.Name));
        Assert.Empty((ValueTuple<string, string>[])props[0].Value);
        Assert.Equal([("/dev/char/1:3", "rwm")], (ValueTuple<string, string>[])props[2].Value);
        var all = UnitProperties.Devices([new() { Allow = true, Access = "rwm" }]).ToList();
        Assert.Equal(["DeviceAllow", "DevicePolicy"], all.Select(p => p.Name));
    }

    [Fact]
    public void DeviceRulesBecomeAStrictAllowList()
    {
        var rules = new List<LinuxDeviceCgroup>
        {
            new() { Allow = false, Access = "rwm" },
            new() { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
            new() { Allow = true, Type = "b", Major = 8, Minor = 0, Access = "r" },
            new() { Allow = true, Type = "c", Access = "m" },
        };
        var p = ByName(UnitProperties.Devices(rules));
        Assert.Equal("strict", p["DevicePolicy"]);
        var allow = ((string, string)[])p["DeviceAllow"];
        Assert.Contains(("/dev/char/1:3", "rwm"), allow);
        Assert.Contains(("/dev/block/8:0", "r"), allow);
        Assert.Contains(("char-*", "m"), allow);
    }

    [Fact]
    public void AllowAllIsDevicePolicyAuto()
    {
        var p = ByName(UnitProperties.Devices([new() { Allow = true, Access = "rwm" }]));
        Assert.Equal("auto", p["DevicePolicy"]);
        Assert.Empty((ValueTuple<string, string>[])p["DeviceAllow"]);
    }

    [Fact]
    public void ADenyListSystemdCannotExpressIsATemporaryDenyAll()
    {
        var p = ByName(UnitProperties.Devices([new() { Allow = true, Access = "rwm" }, new() { Allow = false, Type = "c", Major = 1, Minor = 5, Access = "rwm" }]));
        Assert.Equal("strict", p["DevicePolicy"]);
        Assert.Empty((ValueTuple<string, string>[])p["DeviceAllow"]);
    }

    [Fact]
    public void AMajorWildcardUsesTheDriverNameFromProcDevices()
    {
        string f = Path.GetTempFileName();
        File.WriteAllText(f, "Character devices:\n  1 mem\n136 pts\n\nBlock devices:\n  8 sd\n");
        try
        {
            Assert.Equal("pts", UnitProperties.ProcDevicesName('c', 136, f));
            Assert.Equal("sd", UnitProperties.ProcDevicesName('b', 8, f));
            Assert.Null(UnitProperties.ProcDevicesName('b', 136, f));
        }
        finally
        {
            File.Delete(f);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("3-1")]
    public void ABadCpusetIsRefused(string cpus) =>
        Assert.Throws<Skiff.Cgroups.CgroupException>(() => UnitProperties.RangeToBits(cpus));
}
