using Skiff.RuntimeSpec.Json;
using System.Text.Json;
using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

/// <summary>The namespace facts derived once from linux.namespaces and passed on (issue 13 item 3).</summary>
public class NamespaceSetTests
{
    private static NamespaceSet Of(params (string Type, string? Path)[] ns) =>
        NamespaceSet.Of(new RuntimeSpec.Linux { Namespaces = [.. ns.Select(n => new LinuxNamespace { Type = n.Type, Path = n.Path })] });

    private static readonly NamespaceSet Mixed = Of(("pid", null), ("network", "/run/netns/a"), ("mount", ""), ("user", "/proc/7/ns/user"), ("time", null));

    [Fact]
    public void NewJoinedAndAbsentAreTold()
    {
        Assert.True(Mixed.Has("network"));
        Assert.False(Mixed.IsNew("network"));
        Assert.Equal("/run/netns/a", Mixed.JoinedPath("network"));
        Assert.True(Mixed.IsNew("mount")); // an empty path is a new namespace
        Assert.Null(Mixed.JoinedPath("mount"));
        Assert.False(Mixed.Has("uts"));
        Assert.False(Mixed.IsNew("uts"));
        Assert.Null(Mixed.JoinedPath("uts"));
    }

    [Fact]
    public void CloneFlagsAreThoseOfTheNewNamespaces() =>
        Assert.Equal(Libc.CLONE_NEWPID | Libc.CLONE_NEWNS | Libc.CLONE_NEWTIME, Mixed.CloneFlags);

    [Fact]
    public void JoinedPathsComeInRuncsOrderUserFirst() =>
        Assert.Equal([("user", "/proc/7/ns/user"), ("net", "/run/netns/a")], Mixed.JoinPaths());

    [Fact]
    public void StatePathsNameInitsNamespacesOrTheJoinedPathsInSpecOrder()
    {
        var paths = Mixed.StatePaths(42);
        Assert.Equal(["pid", "network", "mount", "user", "time"], paths.Keys);
        Assert.Equal("/proc/42/ns/pid", paths["pid"]);
        Assert.Equal("/run/netns/a", paths["network"]);
        Assert.Equal("/proc/42/ns/mnt", paths["mount"]);
        Assert.Equal("/proc/7/ns/user", paths["user"]);
    }

    [Fact]
    public void NoNamespacesIsNone()
    {
        Assert.Same(NamespaceSet.None, NamespaceSet.Of(null));
        Assert.Same(NamespaceSet.None, NamespaceSet.Of(new RuntimeSpec.Linux()));
        Assert.Equal(0, NamespaceSet.None.CloneFlags);
    }

    [Fact]
    public void UnknownAndDuplicatedTypesAreRejectedAsRunc()
    {
        Assert.Equal("namespace {\"foo\" \"\"} does not exist", Assert.Throws<ContainerException>(() => Of(("foo", null))).Message);
        Assert.Equal("malformed spec file: duplicated ns {\"pid\" \"/proc/1/ns/pid\"}",
            Assert.Throws<ContainerException>(() => Of(("pid", null), ("pid", "/proc/1/ns/pid"))).Message);
    }

    [Fact]
    public void ValidateReturnsTheSetItChecked()
    {
        string dir = Directory.CreateTempSubdirectory("skiff-nsset-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "rootfs"));
            var spec = DefaultSpec.Example(cgroup2Unified: false);
            spec.Root!.Path = Path.Combine(dir, "rootfs");
            var set = Validate.Spec(spec, systemdCgroup: false, rootlessEuid: false);
            Assert.Equal(spec.Linux!.Namespaces!.Select(n => n.Type), set.Entries.Select(n => n.Type));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheSetCrossesTheInitSocketIntact()
    {
        var cfg = new InitConfig { Namespaces = Mixed };
        byte[] json = JsonShapes.ToUtf8(cfg, SkiffShapes.InitConfig);
        var back = JsonShapes.Read<InitConfig>(json, SkiffShapes.InitConfig)!;
        Assert.Equal(Mixed.StatePaths(1), back.Namespaces.StatePaths(1));
        Assert.Equal(Mixed.CloneFlags, back.Namespaces.CloneFlags);
        Assert.True(back.Namespaces.IsNew("mount"));
        // a setns process's config carries none
        var setns = JsonShapes.Read<InitConfig>(JsonShapes.ToUtf8(new InitConfig(), SkiffShapes.InitConfig), SkiffShapes.InitConfig)!;
        Assert.Empty(setns.Namespaces.Entries);
    }
}
