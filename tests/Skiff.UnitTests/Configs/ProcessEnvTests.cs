using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

public sealed class ProcessEnvTests
{
    [Theory]
    [InlineData("FOO", "invalid environment variable: missing '='")]
    [InlineData("=value", "invalid environment variable: name cannot be empty")]
    [InlineData("A=x\0y", "invalid environment variable \"A\": contains nul byte (\\x00)")]
    public void BadEntriesAreRefusedWithRuncsText(string entry, string expected) =>
        Assert.Equal(expected, Assert.Throws<ContainerException>(() => ProcessEnv.Prepare(["OK=1", entry])).Message);

    [Fact]
    public void TheLastValueOfANameWinsInItsPlace() =>
        Assert.Equal(["B=2", "A=3", "C="], ProcessEnv.Prepare(["A=1", "B=2", "A=3", "C="]));

    [Fact]
    public void AShadowedEntryIsOnlyCheckedForItsName() =>
        Assert.Equal(["A=2"], ProcessEnv.Prepare(["A=x\0", "A=2"]));

    [Theory]
    [InlineData("args")]
    [InlineData("cwd")]
    [InlineData("hook")]
    [InlineData("masked")]
    [InlineData("mount")]
    [InlineData("hostname")]
    public void NulBytesAreRefusedWhereverTheyReachASyscall(string where)
    {
        var spec = new Spec { Process = new Process { Args = ["sh"], Cwd = "/" }, Linux = new Skiff.RuntimeSpec.Linux() };
        switch (where)
        {
            case "args": spec.Process.Args = ["sh", "-c\0x"]; break;
            case "cwd": spec.Process.Cwd = "/tmp\0x"; break;
            case "hook": spec.Hooks = new Skiff.RuntimeSpec.Hooks { Prestart = [new Hook { Path = "/usr/bin/touch\0junk" }] }; break;
            case "masked": spec.Linux.MaskedPaths = ["/proc/kcore\0"]; break;
            case "mount": spec.Mounts = [new Mount { Destination = "/x\0y" }]; break;
            case "hostname": spec.Hostname = "h\0"; break;
        }
        var ex = Assert.Throws<ContainerException>(() => NulCheck.Spec(spec));
        Assert.Contains(where == "mount" ? "mount field contains null byte" : "contains nul byte (\\x00)", ex.Message);
    }
}
