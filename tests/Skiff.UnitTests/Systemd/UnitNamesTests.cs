using Skiff.Cgroups;
using Skiff.Cgroups.Systemd;
using Xunit;

namespace Skiff.UnitTests.Systemd;

/// <summary>runc's systemd naming: ExpandSlice, getUnitName, the "slice:prefix:name" cgroupsPath.</summary>
public sealed class UnitNamesTests
{
    [Theory]
    [InlineData("system.slice", "/system.slice")]
    [InlineData("-.slice", "/")]
    [InlineData("a-b.slice", "/a.slice/a-b.slice")]
    [InlineData("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice")]
    [InlineData("machine.slice", "/machine.slice")]
    public void ExpandSliceAsRunc(string slice, string expected) => Assert.Equal(expected, UnitNames.ExpandSlice(slice));

    [Theory]
    [InlineData("system")]
    [InlineData(".slice")]
    [InlineData("a--b.slice")]
    [InlineData("-a.slice")]
    [InlineData("a-.slice")]
    [InlineData("a/b.slice")]
    public void InvalidSlicesAreRefused(string slice)
    {
        var ex = Assert.Throws<CgroupException>(() => UnitNames.ExpandSlice(slice));
        Assert.Equal("invalid slice name: " + slice, ex.Message);
    }

    [Fact]
    public void AnEmptyCgroupsPathIsSystemSliceSkiffAndTheId() =>
        Assert.Equal(("system.slice", "skiff", "ctr"), UnitNames.Parse("", "ctr"));

    [Fact]
    public void AnEmptySliceIsSystemSlice() =>
        Assert.Equal(("system.slice", "docker", "abc"), UnitNames.Parse(":docker:abc", "ctr"));

    [Theory]
    [InlineData("a:b")]
    [InlineData("a:b:c:d")]
    public void CgroupsPathNeedsThreeParts(string path) =>
        Assert.Contains("slice:prefix:name", Assert.Throws<CgroupException>(() => UnitNames.Parse(path, "x")).Message);

    [Theory]
    [InlineData("docker", "abc", "docker-abc.scope")]
    [InlineData("", "abc", "abc.scope")]
    [InlineData("docker", "my.slice", "my.slice")]
    public void UnitNameAsRunc(string prefix, string name, string unit) => Assert.Equal(unit, UnitNames.Unit(prefix, name));

    [Fact]
    public void UnitForTheStateIsTheSameAsAtCreate() =>
        Assert.Equal("pfx-n1.scope", UnitNames.UnitFor("user.slice:pfx:n1", "other"));
}
