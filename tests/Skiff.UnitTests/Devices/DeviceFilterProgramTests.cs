using Skiff.Cgroups.Devices;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Devices;

public class DeviceFilterProgramTests
{
    private const string Prologue =
        "6112000000000000" + // r2 = *(u32 *)(r1 + 0)
        "54020000ffff0000" + // w2 &= 0xffff
        "6113000000000000" + // r3 = *(u32 *)(r1 + 0)
        "7403000010000000" + // w3 >>= 16
        "6114040000000000" + // r4 = *(u32 *)(r1 + 4)
        "6115080000000000";  // r5 = *(u32 *)(r1 + 8)
    private const string Deny = "b400000000000000" + "9500000000000000";  // w0 = 0; exit
    private const string Accept = "b400000001000000" + "9500000000000000"; // w0 = 1; exit

    private static string Hex(IEnumerable<DeviceRule> rules) =>
        Convert.ToHexStringLower(BpfInstruction.Encode(DeviceFilterProgram.Compile(rules)));

    private static DeviceRule R(char t, long maj, long min, string perms, bool allow) => new(t, maj, min, perms, allow);

    [Fact]
    public void NoRulesDeniesEverything() => Assert.Equal(Prologue + Deny, Hex([]));

    [Fact]
    public void AllowAllIsOneReturn() => Assert.Equal(Prologue + Accept, Hex([R('a', -1, -1, "rwm", true)]));

    [Fact]
    public void OneCharDeviceRwm()
    {
        string block =
            "5502040002000000" + // if r2 != 2 (char) goto +4
            "5504030001000000" + // if r4 != 1 goto +3
            "5505020003000000" + // if r5 != 3 goto +2
            Accept;
        Assert.Equal(Prologue + block + Deny, Hex([R('c', 1, 3, "rwm", true)]));
    }

    [Fact]
    public void AccessSubsetAndWildcardMinor()
    {
        string block =
            "5502060001000000" + // if r2 != 1 (block) goto +6
            "bc31000000000000" + // w1 = w3
            "5401000002000000" + // w1 &= 2 (read)
            "5d31030000000000" + // if r1 != r3 goto +3
            "5504020008000000" + // if r4 != 8 goto +2   (no minor check)
            Accept;
        Assert.Equal(Prologue + block + Deny, Hex([R('b', 8, -1, "r", true)]));
    }

    [Fact]
    public void LaterDenyTakesPermissionsAwayAsInV1()
    {
        // allow c 1:3 rwm, then deny c 1:3 w: what is left is "rm" (access check with mask 1|2 = 3).
        string block =
            "5502070002000000" + "bc31000000000000" + "5401000003000000" + "5d31040000000000" +
            "5504030001000000" + "5505020003000000" + Accept;
        Assert.Equal(Prologue + block + Deny, Hex([R('c', 1, 3, "rwm", true), R('c', 1, 3, "w", false)]));
    }

    [Fact]
    public void DenyListReturnsZeroInBlocksAndOneByDefault()
    {
        string hex = Hex([R('a', -1, -1, "rwm", true), R('c', 1, 5, "rwm", false)]);
        Assert.Equal(Prologue + "5502040002000000" + "5504030001000000" + "5505020005000000" + Deny + Accept, hex);
    }

    [Fact]
    public void ARuleResetsWhatCameBefore() =>
        Assert.Equal(Prologue + Deny, Hex([R('c', 1, 3, "rwm", true), R('a', -1, -1, "rwm", false)]));

    [Fact]
    public void ExceptionsAreSortedAndMerged()
    {
        var emu = DeviceEmulator.FromRules([R('c', 5, 1, "w", true), R('b', 8, 0, "r", true), R('c', 1, 3, "r", true), R('c', 5, 1, "rm", true)]);
        Assert.False(emu.DefaultAllow);
        Assert.Equal(["b 8:0 r", "c 1:3 r", "c 5:1 rwm"], emu.Exceptions().Select(r => r.CgroupString()));
        Assert.Equal("a *:* rwm", emu.Rules()[0].CgroupString());
    }

    [Fact]
    public void PunchingAHoleInAWildcardIsRefused()
    {
        var e = Assert.Throws<DeviceRuleException>(() => DeviceFilterProgram.Compile([R('c', 1, -1, "rwm", true), R('c', 1, 3, "w", false)]));
        Assert.Contains("cannot punch hole in existing wildcard rule [c 1:* rwm]", e.Message);
    }

    [Fact]
    public void SpecRulesConvertWithDefaults()
    {
        var rules = DeviceRule.FromSpec([
            new LinuxDeviceCgroup { Allow = false, Access = "rwm" },
            new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "mwr" },
            new LinuxDeviceCgroup { Allow = true, Type = "b", Major = 8, Access = "r" },
        ]);
        Assert.Equal(["a *:* rwm", "c 1:3 rwm", "b 8:* r"], rules.Select(r => r.CgroupString()));
        Assert.Equal([false, true, true], rules.Select(r => r.Allow));
    }

    [Theory]
    [InlineData("x", "rwm", "invalid cgroup device type \"x\"")]
    [InlineData("c", "rwx", "invalid device access \"rwx\": unknown permission 'x' (only r, w, m)")]
    [InlineData("c", "", "device access at 0 field cannot be empty")]
    [InlineData("cc", "r", "invalid cgroup device type \"cc\"")]
    public void InvalidSpecRules(string type, string access, string message)
    {
        var e = Assert.Throws<DeviceRuleException>(() => DeviceRule.FromSpec([new LinuxDeviceCgroup { Allow = true, Type = type, Access = access }]));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void InstructionEncoding()
    {
        Span<byte> b = stackalloc byte[8];
        BpfInstruction.JneReg(1, 3, -2).Encode(b);
        Assert.Equal("5d31feff00000000", Convert.ToHexStringLower(b));
    }
}
