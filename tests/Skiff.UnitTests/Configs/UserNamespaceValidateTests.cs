using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

/// <summary>runc 1.2's user namespace, rootless and idmapped-mount checks, plus skiff's early id-map range check.</summary>
public sealed class UserNamespaceValidateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-userns-validate-").FullName;

    public UserNamespaceValidateTests() => Directory.CreateDirectory(Path.Combine(_dir, "rootfs"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LinuxIdMapping Map(uint c, uint h, uint size) => new() { ContainerId = c, HostId = h, Size = size };

    private Spec WithUserNs(params LinuxIdMapping[] uid)
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        spec.Root!.Path = Path.Combine(_dir, "rootfs");
        spec.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        spec.Linux.UidMappings = uid.Length > 0 ? [.. uid] : [Map(0, 100000, 65536)];
        spec.Linux.GidMappings = [Map(0, 100000, 65536)];
        return spec;
    }

    private static string Fails(Spec spec, bool rootless = false) =>
        ErrorText.Render(Assert.Throws<ContainerException>(() => Validate.Spec(spec, false, rootlessEuid: rootless)));

    [Fact]
    public void AMappedUserNamespacePasses() => Validate.Spec(WithUserNs(), false, rootlessEuid: false);

    [Fact]
    public void AUserNamespaceNeedsMappingsOrAPath()
    {
        var s = WithUserNs();
        s.Linux!.UidMappings = null;
        s.Linux.GidMappings = null;
        // runc 1.2's specconv (HostRootUID) speaks before validate's own "no namespace path to join nor mappings"
        Assert.Equal("user namespaces enabled, but no uid mappings found", Fails(s));
        var linux = s.Linux!;
        Assert.Equal("user namespaces enabled, but no namespace path to join nor mappings to apply specified",
            Assert.Throws<ContainerException>(() => Validate.UserNamespace(linux, NamespaceSet.Of(linux))).Message);
    }

    [Fact]
    public void MappingsNeedAUserNamespace()
    {
        var s = WithUserNs();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "user");
        Assert.Equal("user namespace mappings specified, but user namespace isn't enabled in the config", Fails(s));
    }

    [Fact]
    public void TheContainersRootMustBeMapped()
    {
        Assert.Equal("user namespaces enabled, but no mapping found for uid 0", Fails(WithUserNs(Map(1, 100000, 10))));
        var s = WithUserNs();
        s.Linux!.GidMappings = [];
        Assert.Equal("user namespaces enabled, but no gid mappings found", Fails(s));
    }

    [Fact]
    public void OverlappingContainerIdsAreRejected()
    {
        var s = WithUserNs(Map(0, 100000, 1000), Map(500, 200000, 1000));
        Assert.Equal("invalid uidMappings: container ids of {containerID: 0, hostID: 100000, size: 1000} and " +
            "{containerID: 500, hostID: 200000, size: 1000} overlap", Fails(s));
    }

    [Fact]
    public void OverlappingHostIdsAreRejected()
    {
        var s = WithUserNs();
        s.Linux!.GidMappings = [Map(0, 100000, 10), Map(10, 100005, 10)];
        Assert.Equal("invalid gidMappings: host ids of {containerID: 0, hostID: 100000, size: 10} and " +
            "{containerID: 10, hostID: 100005, size: 10} overlap", Fails(s));
    }

    [Fact]
    public void AdjacentRangesAndEmptyRanges()
    {
        Validate.Spec(WithUserNs(Map(0, 100000, 10), Map(10, 100010, 10)), false, rootlessEuid: false);
        Assert.Contains("size must not be 0", Fails(WithUserNs(Map(0, 100000, 0))));
        Assert.Contains("exceeds the 32-bit id space", Fails(WithUserNs(Map(0, uint.MaxValue, 2))));
    }

    [Fact]
    public void AJoinedUserNamespaceWithOtherMappingsIsRejected()
    {
        var s = WithUserNs();
        s.Linux!.Namespaces!.Find(n => n.Type == "user")!.Path = "/proc/self/ns/user";
        Assert.Equal("user namespaces enabled, but both namespace path and non-matching mapping specified -- you may only provide one", Fails(s));
        s.Linux.UidMappings = null;
        s.Linux.GidMappings = null;
        Validate.Spec(s, false, rootlessEuid: false);
    }

    [Fact]
    public void RootlessNeedsAUserNamespaceWithMappings()
    {
        var s = WithUserNs();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "user");
        s.Linux.UidMappings = null;
        s.Linux.GidMappings = null;
        Assert.Equal("rootless container requires user namespaces", Fails(s, rootless: true));

        // as in runc, specconv's HostRootGID speaks first
        var t = WithUserNs();
        t.Linux!.GidMappings = null;
        Assert.Equal("user namespaces enabled, but no gid mappings found", Fails(t, rootless: true));
    }

    [Fact]
    public void RootlessMountOptionsMustNameMappedIds()
    {
        var s = WithUserNs(Map(0, 1000, 1));
        s.Linux!.GidMappings = [Map(0, 1000, 1)];
        s.Mounts!.RemoveAll(m => m.Destination == "/dev/pts"); // the example's gid=5
        Validate.Spec(s, false, rootlessEuid: true);
        s.Mounts.Add(new Mount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["newinstance", "gid=5"] });
        Assert.Equal("cannot specify gid=5 mount option for rootless container: user namespaces enabled, but no mapping found for gid 5",
            Fails(s, rootless: true));
    }

    [Fact]
    public void IdMappedMountsAreBindMountsOnly()
    {
        var s = WithUserNs();
        s.Mounts!.Add(new Mount { Destination = "/mnt", Type = "tmpfs", Source = "tmpfs", Options = ["idmap"] });
        Assert.EndsWith("id-mapped mounts are only supported for bind-mounts", Fails(s));
    }

    [Fact]
    public void IdMappedMountsAreNotForRootless()
    {
        var s = WithUserNs();
        s.Mounts!.RemoveAll(m => m.Destination == "/dev/pts");
        s.Mounts.Add(new Mount { Destination = "/mnt", Type = "bind", Source = "/tmp", Options = ["rbind", "idmap"] });
        Assert.Equal("invalid mount {Source:/tmp Destination:/mnt Type:bind}: id-mapped mounts are not supported for rootless containers",
            Fails(s, rootless: true));
    }

    [Fact]
    public void IdMappedMountsNeedBothMaps()
    {
        var s = WithUserNs();
        s.Mounts!.Add(new Mount
        {
            Destination = "/mnt", Type = "bind", Source = "/tmp", Options = ["bind"], UidMappings = [Map(0, 1, 1)],
        });
        Assert.EndsWith("id-mapped mounts must have both uid and gid mappings specified", Fails(s));

        // "idmap" alone takes the container's maps, so it needs a user namespace
        var t = DefaultSpec.Example(cgroup2Unified: false);
        t.Root!.Path = Path.Combine(_dir, "rootfs");
        t.Mounts!.Add(new Mount { Destination = "/mnt", Type = "bind", Source = "/tmp", Options = ["bind", "idmap"] });
        Assert.EndsWith("id-mapped mounts must have both uid and gid mappings specified", Fails(t));
        t.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "user" });
        t.Linux.UidMappings = [Map(0, 100000, 65536)];
        t.Linux.GidMappings = [Map(0, 100000, 65536)];
        Validate.Spec(t, false, rootlessEuid: false);
    }
}
