using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

public class IdMappingsTests
{
    private static LinuxIdMapping Map(uint c, uint h, uint size) => new() { ContainerId = c, HostId = h, Size = size };

    [Fact]
    public void HostIdLooksUpEachRange()
    {
        List<LinuxIdMapping> maps = [Map(0, 1000, 1), Map(1, 100000, 65536)];
        Assert.Equal(1000u, IdMappings.HostId(maps, 0));
        Assert.Equal(100000u, IdMappings.HostId(maps, 1));
        Assert.Equal(165535u, IdMappings.HostId(maps, 65536));
        Assert.Null(IdMappings.HostId(maps, 65537));
        Assert.Null(IdMappings.HostId(null, 0));
    }

    [Fact]
    public void HostIdOrThrowGivesRuncsErrors()
    {
        Assert.Equal("user namespaces enabled, but no uid mappings found",
            Assert.Throws<ContainerException>(() => IdMappings.HostIdOrThrow([], 0, "uid")).Message);
        Assert.Equal("user namespaces enabled, but no mapping found for gid 7",
            Assert.Throws<ContainerException>(() => IdMappings.HostIdOrThrow([Map(0, 5, 1)], 7, "gid")).Message);
    }

    [Fact]
    public void ParsesProcIdMaps()
    {
        var maps = IdMappings.Parse("         0     100000      65536\n     65536       1000          1\n");
        Assert.True(IdMappings.Same(maps, [Map(0, 100000, 65536), Map(65536, 1000, 1)]));
        Assert.False(IdMappings.Same(maps, [Map(0, 100000, 65536)]));
        Assert.Throws<FormatException>(() => IdMappings.Parse("0 1\n"));
    }

    [Fact]
    public void ReadsTheMapsOfAProcNamespacePath()
    {
        var own = IdMappings.OfNamespacePath("/proc/self/ns/user");
        Assert.NotNull(own);
        Assert.True(IdMappings.Same(own.Value.Uid, IdMappings.Parse(File.ReadAllText("/proc/self/uid_map"))));
        Assert.Null(IdMappings.OfNamespacePath("/run/netns/x"));
    }

    [Theory]
    [InlineData(0u, 0u, 10u, 10u, 10u, 10u, false)] // adjacent on both sides
    [InlineData(0u, 0u, 10u, 9u, 100u, 10u, true)]  // container ids overlap
    [InlineData(0u, 0u, 10u, 100u, 9u, 10u, true)]  // host ids overlap
    [InlineData(5u, 5u, 1u, 0u, 0u, 10u, true)]     // contained
    public void CheckRangesRejectsOverlaps(uint c1, uint h1, uint s1, uint c2, uint h2, uint s2, bool overlap)
    {
        List<LinuxIdMapping> maps = [Map(c1, h1, s1), Map(c2, h2, s2)];
        if (overlap) Assert.Contains("overlap", Assert.Throws<ContainerException>(() => IdMappings.CheckRanges(maps, "uidMappings")).Message);
        else IdMappings.CheckRanges(maps, "uidMappings");
    }
}
