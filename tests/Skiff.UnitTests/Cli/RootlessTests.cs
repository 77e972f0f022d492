using Skiff.Cli.Commands;
using Skiff.LibContainer;
using Xunit;

namespace Skiff.UnitTests.Cli;

/// <summary>runc's rootless decisions: parseBoolOrAuto, shouldHonorXDGRuntimeDir, shouldUseRootlessCgroupManager.</summary>
public class RootlessTests
{
    [Theory]
    [InlineData("", null)]
    [InlineData("auto", null)]
    [InlineData("AUTO", null)]
    [InlineData("true", true)]
    [InlineData("1", true)]
    [InlineData("T", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("False", false)]
    public void ParsesBoolOrAuto(string s, bool? expected) => Assert.Equal(expected, Rootless.ParseBoolOrAuto(s));

    [Fact]
    public void RejectsOtherWordsAsGoDoes() =>
        Assert.Equal("strconv.ParseBool: parsing \"yes\": invalid syntax",
            Assert.Throws<ContainerException>(() => Rootless.ParseBoolOrAuto("yes")).Message);

    [Theory]
    [InlineData(1000u, false, "/run/user/1000", "me", true)]
    [InlineData(1000u, false, null, "me", false)]
    [InlineData(1000u, false, "", "me", false)]
    [InlineData(0u, false, "/run/user/0", "root", false)] // the real root keeps /run/skiff
    [InlineData(0u, true, "/run/user/1000", "me", true)]  // root in a user namespace made by a user
    [InlineData(0u, true, "/run/user/0", "root", false)]
    [InlineData(0u, true, "/run/user/1000", null, true)]
    public void HonoursXdgRuntimeDirAsRunc(uint euid, bool inUserNs, string? xdg, string? user, bool expected) =>
        Assert.Equal(expected, Rootless.ShouldHonorXdgRuntimeDir(euid, inUserNs, xdg, user));

    [Fact]
    public void TheRootlessFlagWinsOverDetection()
    {
        Assert.True(Rootless.UseRootlessCgroupManager(new GlobalOptions { Rootless = "true" }));
        Assert.False(Rootless.UseRootlessCgroupManager(new GlobalOptions { Rootless = "false" }));
        // auto as root in the initial user namespace (how the tests run): not rootless
        if (Skiff.Linux.Libc.geteuid() == 0 && !Skiff.Linux.UserNamespace.RunningInUserNs())
            Assert.False(Rootless.UseRootlessCgroupManager(new GlobalOptions { Rootless = "auto" }));
    }
}
