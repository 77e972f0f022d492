using Skiff.LibContainer.ProcessAttributes;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.ProcessAttributes;

public class CapabilitiesTests
{
    [Fact]
    public void Table_HasAll41CapsInKernelOrder()
    {
        Assert.Equal(41, CapabilityNames.All.Length);
        Assert.Equal(40, CapabilityNames.LastCap);
        Assert.Equal(CapabilityNames.LastCap, CapabilityNames.All.Length - 1);
        Assert.Equal(0, CapabilityNames.Lookup("CAP_CHOWN"));
        Assert.Equal(5, CapabilityNames.Lookup("CAP_KILL"));
        Assert.Equal(8, CapabilityNames.Lookup("CAP_SETPCAP"));
        Assert.Equal(21, CapabilityNames.Lookup("CAP_SYS_ADMIN"));
        Assert.Equal(29, CapabilityNames.Lookup("CAP_AUDIT_WRITE"));
        Assert.Equal(37, CapabilityNames.Lookup("CAP_AUDIT_READ"));
        Assert.Equal(38, CapabilityNames.Lookup("CAP_PERFMON"));
        Assert.Equal(39, CapabilityNames.Lookup("CAP_BPF"));
        Assert.Equal(40, CapabilityNames.Lookup("CAP_CHECKPOINT_RESTORE"));
        Assert.Equal(CapabilityNames.All.Length, CapabilityNames.All.Distinct().Count());
        Assert.All(CapabilityNames.All, n => Assert.StartsWith("CAP_", n));
    }

    [Fact]
    public void Table_CoversTheRunningKernel()
    {
        // This machine's kernel knows exactly the caps we name (6.x: cap_last_cap = 40).
        Assert.True(Libc.CapLastCap() <= CapabilityNames.LastCap, "kernel knows caps skiff cannot name");
        Assert.Equal(Libc.CapLastCap(), Capabilities.KernelLastCap());
    }

    [Fact]
    public void CapLastCap_IsWhatTheKernelsFileSays()
    {
        // asked of the kernel (PR_CAPBSET_READ), not read from the file: both must agree
        string file = File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim();
        Assert.Equal(int.Parse(file), Libc.CapLastCap());
    }

    [Fact]
    public void Parse_MapsNamesToBits()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.Parse(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"], unknown);
        Assert.Equal(0x20000420UL, mask); // runc's default set, as `grep CapEff /proc/self/status` shows it
        Assert.Empty(unknown);
        Assert.Equal(1UL << 40, Capabilities.Parse(["CAP_CHECKPOINT_RESTORE"], unknown));
        Assert.Equal(0UL, Capabilities.Parse(null, unknown));
        Assert.Equal(0UL, Capabilities.Parse([], unknown));
    }

    [Fact]
    public void Parse_CollectsUnknownNamesOnce_AndIsCaseSensitive()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.Parse(["CAP_FOO", "CAP_CHOWN", "cap_kill", "CAP_FOO", "SYS_ADMIN"], unknown);
        Assert.Equal(1UL, mask);
        Assert.Equal(["CAP_FOO", "cap_kill", "SYS_ADMIN"], unknown);
    }

    [Fact]
    public void Parse_CapsAboveKernelLastCapAreUnavailable()
    {
        var unknown = new List<string>();
        ulong mask = Capabilities.Parse(["CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_CHOWN"], unknown, lastCap: 38);
        Assert.Equal(1UL, mask);
        Assert.Equal(["CAP_BPF", "CAP_CHECKPOINT_RESTORE"], unknown);
    }

    [Fact]
    public void Resolve_NullMeansNoCapabilitiesAtAll()
    {
        Assert.Equal(new CapabilityConfig(0, 0, 0, 0, 0), Capabilities.Resolve(null));
    }

    [Fact]
    public void Names_InvertsMask()
    {
        Assert.Equal(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"], CapabilityNames.Names(0x20000420UL));
    }

    [Fact]
    public void Apply_OnAThread_SetsAllFiveSets()
    {
        if (!TestThread.IsRoot) return;
        var spec = new LinuxCapabilities
        {
            Bounding = ["CAP_CHOWN", "CAP_KILL", "CAP_SETPCAP", "CAP_FOO"],
            Effective = ["CAP_CHOWN", "CAP_KILL"],
            Permitted = ["CAP_CHOWN", "CAP_KILL"],
            Inheritable = ["CAP_KILL"],
            Ambient = ["CAP_KILL", "CAP_SYS_ADMIN"], // SYS_ADMIN is not permitted+inheritable: skipped, as runc
        };
        CapSets mine = Libc.CapGet();
        var (sets, bounding, ambient) = TestThread.Run(() =>
        {
            Capabilities.Apply(spec);
            ulong bset = 0;
            for (int c = 0; c <= Capabilities.KernelLastCap(); c++)
                if (Libc.CapBsetRead(c) == true) bset |= 1UL << c;
            return (Libc.CapGet(), bset, Libc.AmbientGet(Capabilities.KernelLastCap()));
        });
        const ulong chown = 1, kill = 1 << 5, setpcap = 1 << 8;
        Assert.Equal(chown | kill, sets.Effective);
        Assert.Equal(chown | kill, sets.Permitted);
        Assert.Equal(kill, sets.Inheritable);
        Assert.Equal(chown | kill | setpcap, bounding);
        Assert.Equal(kill, ambient);
        // The test process's own thread is untouched.
        Assert.Equal(mine, Libc.CapGet());
    }

    [Fact]
    public void ApplyCaps_EffectiveNotPermitted_FailsWithCapset()
    {
        if (!TestThread.IsRoot) return;
        var cfg = new CapabilityConfig(Bounding: ulong.MaxValue, Effective: 1UL << 21, Permitted: 1, Inheritable: 0, Ambient: 0);
        var ex = Assert.Throws<AggregateException>(() => TestThread.Run(() => { Capabilities.ApplyCaps(cfg); return 0; }));
        var se = Assert.IsType<SyscallException>(ex.InnerException);
        Assert.Equal("capset: operation not permitted", se.Message);
    }
}
