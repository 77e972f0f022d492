using Skiff.Cgroups.Devices;
using Skiff.Cgroups.V2;
using Skiff.RuntimeSpec;
using Skiff.UnitTests.CgroupsV2;
using Xunit;
using Xunit.Abstractions;

namespace Skiff.UnitTests.Devices;

/// <summary>Real BPF_PROG_LOAD/ATTACH on a cgroup of our own (root only; otherwise the test returns early, saying why).</summary>
public class DeviceFilterKernelTests(ITestOutputHelper output)
{
    private static string Script(string dir) =>
        $"echo $$ > {dir}/cgroup.procs || exit 9; head -c1 /dev/null && echo nullok; head -c1 /dev/zero >/dev/null && echo zerook; true";

    [Fact]
    public void AllowsNullDeniesZeroThenReplaces()
    {
        using RealCgroup? cg = RealCgroup.TryCreate(out string reason);
        if (cg is null) { output.WriteLine(reason); return; }

        DeviceFilter.Apply(cg.Dir, DeviceRule.FromSpec([
            new LinuxDeviceCgroup { Allow = false, Access = "rwm" },
            new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
        ]));
        Assert.Single(DeviceFilter.AttachedProgramIds(cg.Dir));
        (string o, string e) = RealCgroup.Sh(Script(cg.Dir));
        output.WriteLine(o + e);
        Assert.Contains("nullok", o);
        Assert.DoesNotContain("zerook", o);
        Assert.Contains("Operation not permitted", e);

        // Update: the new program goes in before the old one comes out; one program is left.
        uint oldId = DeviceFilter.AttachedProgramIds(cg.Dir)[0];
        DeviceFilter.Apply(cg.Dir, DeviceRule.FromSpec([
            new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rw" },
            new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 5, Access = "r" },
        ]));
        uint[] ids = DeviceFilter.AttachedProgramIds(cg.Dir);
        Assert.Single(ids);
        Assert.NotEqual(oldId, ids[0]);
        (o, e) = RealCgroup.Sh(Script(cg.Dir));
        Assert.Contains("nullok", o);
        Assert.Contains("zerook", o);

        // Read-only /dev/zero: writing to it is denied.
        (o, _) = RealCgroup.Sh($"echo $$ > {cg.Dir}/cgroup.procs; echo x > /dev/zero && echo writeok; echo done");
        Assert.DoesNotContain("writeok", o);
        Assert.Contains("done", o);

        DeviceFilter.DetachAll(cg.Dir);
        Assert.Empty(DeviceFilter.AttachedProgramIds(cg.Dir));
    }

    [Fact]
    public void ManagerSetAppliesDevicesOnACgroupWithoutControllers()
    {
        using RealCgroup? cg = RealCgroup.TryCreate(out string reason);
        if (cg is null) { output.WriteLine(reason); return; }
        var m = new Manager(Path.Combine(cg.Dir, "ctr"), cg.Dir);
        m.Apply(-1);
        // Read /dev/zero and write /dev/null only: reading /dev/null is denied.
        m.Set(new LinuxResources { Devices = [
            new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 5, Access = "r" },
            new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "w" },
        ] });
        (string o, _) = RealCgroup.Sh(Script(m.Dir));
        Assert.Contains("zerook", o);
        Assert.DoesNotContain("nullok", o);
        // Memory is not a controller there: the error says so.
        var e = Assert.Throws<CgroupV2Exception>(() => m.Set(new LinuxResources { Memory = new LinuxMemory { Limit = 1 << 30 } }));
        output.WriteLine(e.Message);
        Assert.Contains("controller \"memory\" is not available", e.Message);
        m.Destroy();
        Assert.False(m.Exists());
    }

    [Fact]
    public void InvalidProgramLoadFailsWithTheVerifierSaying()
    {
        if (Skiff.Linux.Libc.geteuid() != 0) { output.WriteLine("skipped: needs root"); return; }
        // No exit: the verifier refuses it.
        byte[] code = BpfInstruction.Encode([BpfInstruction.MovImm32(0, 0)]);
        var e = Assert.Throws<DeviceRuleException>(() => DeviceFilter.Load(code));
        Assert.Contains("failed to load device filter program", e.Message);
    }
}
