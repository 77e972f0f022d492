using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

public sealed class ValidateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-validate-").FullName;

    public ValidateTests() => Directory.CreateDirectory(Path.Combine(_dir, "rootfs"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Spec Good()
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        spec.Root!.Path = Path.Combine(_dir, "rootfs");
        return spec;
    }

    private static string Fails(Spec spec, bool systemd = false) =>
        ErrorText.Render(Assert.Throws<ContainerException>(() => Validate.Spec(spec, systemd)));

    [Fact]
    public void DefaultSpec_Passes() => Validate.Spec(Good(), systemdCgroup: false);

    [Fact]
    public void MissingRootfs()
    {
        var s = Good();
        s.Root!.Path = Path.Combine(_dir, "nope");
        Assert.Equal($"invalid rootfs: stat {_dir}/nope: no such file or directory", Fails(s));
    }

    [Fact]
    public void SymlinkedRootfs()
    {
        var s = Good();
        File.CreateSymbolicLink(Path.Combine(_dir, "rl"), "rootfs");
        s.Root!.Path = Path.Combine(_dir, "rl");
        Assert.Equal("invalid rootfs: not an absolute path, or a symlink", Fails(s));
    }

    [Fact]
    public void UnknownNamespace()
    {
        var s = Good();
        s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "foo" });
        Assert.Equal("namespace {\"foo\" \"\"} does not exist", Fails(s));
    }

    [Fact]
    public void DuplicatedNamespace()
    {
        var s = Good();
        s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "pid", Path = "/proc/1/ns/pid" });
        Assert.Equal("malformed spec file: duplicated ns {\"pid\" \"/proc/1/ns/pid\"}", Fails(s));
    }

    [Fact]
    public void HostnameNeedsUts()
    {
        var s = Good();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "uts");
        Assert.Equal("unable to set hostname without a private UTS namespace", Fails(s));
    }

    [Fact]
    public void MaskedPathsNeedMountNamespace()
    {
        var s = Good();
        s.Linux!.Namespaces!.RemoveAll(n => n.Type == "mount");
        Assert.Equal("unable to restrict sys entries without a private MNT namespace", Fails(s));
    }

    [Fact]
    public void SystemdCgroupsPathFormat()
    {
        var s = Good();
        s.Linux!.CgroupsPath = "a:b";
        Assert.Equal("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"a:b\" instead", Fails(s, systemd: true));
        Validate.Spec(s, systemdCgroup: false); // cgroupfs takes any path
        s.Linux.CgroupsPath = "system.slice:skiff:abc";
        Validate.Spec(s, systemdCgroup: true);
    }

    [Theory]
    [InlineData("net.ipv4.ip_forward", "network", "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace")]
    [InlineData("kernel.msgmax", "ipc", "sysctl \"kernel.msgmax\" is not allowed in the hosts ipc namespace")]
    [InlineData("fs.mqueue.msg_max", "ipc", "sysctl \"fs.mqueue.msg_max\" is not allowed in the hosts ipc namespace")]
    [InlineData("kernel.foo", null, "sysctl \"kernel.foo\" is not in a separate kernel namespace")]
    [InlineData("kernel.hostname", null, "sysctl \"kernel.hostname\" is not allowed as it conflicts with the OCI \"hostname\" field")]
    public void Sysctls(string key, string? dropNs, string expected)
    {
        var s = Good();
        if (dropNs is not null) s.Linux!.Namespaces!.RemoveAll(n => n.Type == dropNs);
        s.Linux!.Sysctl = new() { [key] = "1" };
        Assert.Equal(expected, Fails(s));
    }

    [Fact]
    public void NamespacedSysctls_Pass()
    {
        var s = Good();
        s.Linux!.Sysctl = new() { ["net.ipv4.ip_forward"] = "1", ["kernel.shmmax"] = "1", ["kernel/msgmnb"] = "1" };
        Validate.Spec(s, systemdCgroup: false);
    }

    [Fact]
    public void TimeOffsetsNeedTimeNamespace()
    {
        var s = Good();
        s.Linux!.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 1 } };
        Assert.Equal("time namespace offsets specified, but time namespace isn't enabled in the config", Fails(s));
        s.Linux.Namespaces!.Add(new LinuxNamespace { Type = "time" });
        Validate.Spec(s, systemdCgroup: false);
    }

    [Fact]
    public void RelativeMountDestination_IsOnlyAWarning()
    {
        var s = Good();
        s.Mounts!.Add(new Mount { Destination = "rel", Type = "tmpfs", Source = "tmpfs" });
        Validate.Spec(s, systemdCgroup: false);
    }
}
