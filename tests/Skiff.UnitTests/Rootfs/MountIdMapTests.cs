using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Rootfs;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Rootfs;

/// <summary>How a spec mount becomes an idmapped MountEntry (specconv: own maps, or the container's for idmap/ridmap).</summary>
public class MountIdMapTests
{
    private static LinuxIdMapping Map(uint c, uint h, uint size) => new() { ContainerId = c, HostId = h, Size = size };

    private static RuntimeSpec.Linux UserNs(string? path = null) => new()
    {
        Namespaces = [new LinuxNamespace { Type = "user", Path = path }],
        UidMappings = [Map(0, 100000, 65536)],
        GidMappings = [Map(0, 200000, 65536)],
    };

    private static MountEntry FromSpec(Mount m, RuntimeSpec.Linux linux) => MountEntry.FromSpec(m, "/b", linux, NamespaceSet.Of(linux));

    [Fact]
    public void APlainBindHasNoIdMapping() =>
        Assert.Null(FromSpec(new Mount { Destination = "/m", Source = "/s", Options = ["rbind"] }, UserNs()).IdMapping);

    [Fact]
    public void OwnMappingsAreKept()
    {
        var e = FromSpec(new Mount
        {
            Destination = "/m", Source = "/s", Options = ["bind"], UidMappings = [Map(0, 5, 1)], GidMappings = [Map(0, 6, 1)],
        }, UserNs());
        Assert.NotNull(e.IdMapping);
        Assert.Equal(5u, e.IdMapping.UidMappings![0].HostId);
        Assert.Equal(6u, e.IdMapping.GidMappings![0].HostId);
        Assert.False(e.IdMapping.Recursive);
        Assert.Null(e.IdMapping.UserNsPath);
    }

    [Fact]
    public void IdmapAloneTakesTheContainersMappings()
    {
        var e = FromSpec(new Mount { Destination = "/m", Source = "/s", Options = ["rbind", "ridmap"] }, UserNs());
        Assert.NotNull(e.IdMapping);
        Assert.True(e.IdMapping.Recursive);
        Assert.Equal(100000u, e.IdMapping.UidMappings![0].HostId);
        Assert.Equal(200000u, e.IdMapping.GidMappings![0].HostId);
    }

    [Fact]
    public void IdmapWithAJoinedUserNamespaceUsesItsPath()
    {
        var e = FromSpec(new Mount { Destination = "/m", Source = "/s", Options = ["bind", "idmap"] }, UserNs("/proc/42/ns/user"));
        Assert.Equal("/proc/42/ns/user", e.IdMapping!.UserNsPath);
        Assert.Null(e.IdMapping.UidMappings);
    }

    [Fact]
    public void RidmapIsRecursiveIdmapIsNot()
    {
        Assert.True(MountOptions.Parse(["ridmap"]).IdMapRecursive);
        Assert.False(MountOptions.Parse(["idmap"]).IdMapRecursive);
        Assert.True(MountOptions.Parse(["ridmap"]).IdMap);
    }
}
