using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

/// <summary>One spec pipeline (issue 13 item 3): loaded and validated once, the applied configuration a new value.</summary>
public sealed class ContainerConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-cconfig-").FullName;

    public ContainerConfigTests() => Directory.CreateDirectory(Path.Combine(_dir, "rootfs"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Spec Good()
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        spec.Root!.Path = Path.Combine(_dir, "rootfs");
        return spec;
    }

    [Fact]
    public void TheLoadedSpecIsLeftAsItIs()
    {
        var spec = Good();
        var own = new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 4, Minor = 64, Access = "rw" };
        spec.Linux!.Resources = new LinuxResources { Devices = [own], Pids = new LinuxPids { Limit = 7 } };
        var cfg = ContainerConfig.Validated(spec, systemdCgroup: false, rootlessEuid: false);

        Assert.Equal([own], spec.Linux.Resources.Devices);
        Assert.NotSame(spec, cfg.Spec);
        Assert.NotSame(spec.Linux, cfg.Spec.Linux);
        Assert.NotSame(spec.Linux.Resources, cfg.Spec.Linux!.Resources);
        // the rest is what was validated
        Assert.Same(spec.Process, cfg.Spec.Process);
        Assert.Same(spec.Linux.Namespaces, cfg.Spec.Linux.Namespaces);
        Assert.Same(spec.Linux.Resources.Pids, cfg.Spec.Linux.Resources!.Pids);
    }

    [Fact]
    public void TheAppliedDeviceRulesAreTheSpecsThenRuncsDefaults()
    {
        var spec = Good();
        var own = new LinuxDeviceCgroup { Allow = false, Access = "rwm" };
        spec.Linux!.Resources = new LinuxResources { Devices = [own] };
        var rules = ContainerConfig.Validated(spec, false, rootlessEuid: false).Spec.Linux!.Resources!.Devices!;
        Assert.Same(own, rules[0]);
        Assert.Equal(CgroupDevices.Effective(spec).Count, rules.Count);
        Assert.Contains(rules, r => r.Allow && r.Type == "c" && r.Major == 1 && r.Minor == 3 && r.Access == "rwm"); // /dev/null
    }

    [Fact]
    public void ASpecWithoutALinuxSectionGetsOneInTheAppliedValueOnly()
    {
        var spec = Good();
        spec.Linux = null;
        spec.Hostname = null;
        spec.Mounts = [];
        var cfg = ContainerConfig.Validated(spec, false, rootlessEuid: false);
        Assert.Null(spec.Linux);
        Assert.NotNull(cfg.Spec.Linux!.Resources!.Devices);
        Assert.Same(NamespaceSet.None, cfg.Namespaces);
    }

    [Fact]
    public void NamespacesAndRootlessAreTheValidatedOnes()
    {
        var cfg = ContainerConfig.Validated(Good(), false, rootlessEuid: false);
        Assert.False(cfg.RootlessEuid);
        Assert.True(cfg.Namespaces.IsNew("pid"));
        Assert.True(cfg.Namespaces.IsNew("mount"));
        Assert.False(cfg.Namespaces.Has("user"));
    }

    [Fact]
    public void ValidationErrorsAreRuncs()
    {
        var spec = Good();
        spec.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts");
        Assert.Equal("unable to set hostname without a private UTS namespace",
            Assert.Throws<ContainerException>(() => ContainerConfig.Validated(spec, false, rootlessEuid: false)).Message);
    }

    [Fact]
    public void LoadReadsAndValidatesTheBundle()
    {
        Assert.Equal("JSON specification file config.json not found",
            Assert.Throws<ContainerException>(() => ContainerConfig.Load(_dir, false, rootlessEuid: false)).Message);
        File.WriteAllText(Path.Combine(_dir, "config.json"), """
            {"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},
             "linux":{"namespaces":[{"type":"mount"},{"type":"foo"}]}}
            """);
        Assert.Equal("namespace {\"foo\" \"\"} does not exist",
            Assert.Throws<ContainerException>(() => ContainerConfig.Load(_dir, false, rootlessEuid: false)).Message);
        File.WriteAllText(Path.Combine(_dir, "config.json"), """
            {"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},
             "linux":{"namespaces":[{"type":"mount"}]}}
            """);
        var cfg = ContainerConfig.Load(_dir, false, rootlessEuid: false);
        Assert.Equal(Path.Combine(_dir, "rootfs"), cfg.Spec.Root!.Path);
        Assert.True(cfg.Namespaces.IsNew("mount"));
    }
}
