using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>process.capabilities, read back from /proc/self/status inside (runc's capabilities.bats).</summary>
public sealed class CapabilitiesTests : ContainerTest
{
    private static readonly string[] s_names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
        "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    private static ulong Mask(params string[] caps) =>
        caps.Aggregate(0UL, (m, c) => m | (1UL << Array.IndexOf(s_names, c)));

    private Dictionary<string, ulong> CapsInside(Bundle b)
    {
        var output = RunShell(b, "grep ^Cap /proc/self/status");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0], p => Convert.ToUInt64(p[1].Trim(), 16));
    }

    [Fact]
    public void TheDefaultSpecCapabilitiesApply()
    {
        var b = NewBundle();
        var bounding = b.Process["capabilities"]!["bounding"]!.AsArray().Select(x => x!.GetValue<string>()).ToArray();
        var caps = CapsInside(b);
        Assert.Equal(Mask(bounding), caps["CapBnd"]);
        Assert.Equal(Mask(bounding), caps["CapEff"]);
        Assert.Equal(Mask(bounding), caps["CapPrm"]);
    }

    [Fact]
    public void RootGetsItsBoundingSetAsEffective()
    {
        var b = NewBundle().Capabilities("CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW");
        var caps = CapsInside(b);
        Assert.Equal(0x2021UL, caps["CapBnd"]);
        Assert.Equal(0x2021UL, caps["CapEff"]);
        Assert.Equal(0x2021UL, caps["CapPrm"]);
        Assert.Equal(0UL, caps["CapInh"]);
        Assert.Equal(0UL, caps["CapAmb"]);
    }

    [Fact]
    public void NoCapabilitiesAtAll()
    {
        var caps = CapsInside(NewBundle().Capabilities());
        Assert.All(caps.Values, v => Assert.Equal(0UL, v));
    }

    [Fact]
    public void ANonRootUserKeepsOnlyItsAmbientCapabilities()
    {
        var b = NewBundle().User(1000, 1000)
            .Capabilities("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE")
            .CapabilitySet("inheritable", "CAP_NET_BIND_SERVICE")
            .CapabilitySet("ambient", "CAP_NET_BIND_SERVICE");
        var caps = CapsInside(b);
        var nbs = Mask("CAP_NET_BIND_SERVICE");
        Assert.Equal(Mask("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"), caps["CapBnd"]);
        Assert.Equal(nbs, caps["CapInh"]);
        Assert.Equal(nbs, caps["CapAmb"]);
        Assert.Equal(nbs, caps["CapPrm"]);
        Assert.Equal(nbs, caps["CapEff"]);
    }

    [Fact]
    public void ANonRootUserWithoutAmbientHasNoEffectiveCapabilities()
    {
        var b = NewBundle().User(1000, 1000).Capabilities("CAP_CHOWN", "CAP_KILL");
        var caps = CapsInside(b);
        Assert.Equal(Mask("CAP_CHOWN", "CAP_KILL"), caps["CapBnd"]);
        Assert.Equal(0UL, caps["CapEff"]);
        Assert.Equal(0UL, caps["CapPrm"]);
    }

    [Fact]
    public void ADroppedCapabilityIsReallyMissing()
    {
        // Without CAP_CHOWN, root cannot chown a file it does not own... it owns it; use CAP_MKNOD instead.
        var b = NewBundle().Capabilities("CAP_KILL").ReadonlyRoot(true);
        var output = RunShell(b, "mknod /dev/testnull c 1 3 2>&1; echo rc=$?");
        Assert.Contains("rc=1", output);
        Assert.Contains("Operation not permitted", output);
    }
}
