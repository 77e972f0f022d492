using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using MemoryPolicy = Skiff.LibContainer.ProcessAttributes.MemoryPolicy;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Configs;

/// <summary>Runtime-spec 1.3 fields: netDevices, memoryPolicy, execCPUAffinity, user.* sysctls, joined time ns.</summary>
public sealed class Spec13ValidateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-validate13-").FullName;

    public Spec13ValidateTests() => Directory.CreateDirectory(Path.Combine(_dir, "rootfs"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static NamespaceSet New(params string[] types) => new([.. types.Select(t => new LinuxNamespace { Type = t })]);

    private Spec Good()
    {
        var spec = DefaultSpec.Example(cgroup2Unified: false);
        spec.Root!.Path = Path.Combine(_dir, "rootfs");
        return spec;
    }

    private static string Fails(Spec spec, bool rootless = false) =>
        ErrorText.Render(Assert.Throws<ContainerException>(() => Validate.Spec(spec, false, rootlessEuid: rootless)));

    [Fact]
    public void NetDevicesNeedANetworkNamespaceAndRoot()
    {
        var s = Good();
        s.Linux!.NetDevices = new() { ["eth1"] = new LinuxNetDevice { Name = "eth0" } };
        Validate.Spec(s, false, rootlessEuid: false);
        Assert.Equal("network devices are not supported for rootless containers",
            ErrorText.Render(Assert.Throws<ContainerException>(() => Validate.NetDevices(s.Linux.NetDevices, New("network", "user"), rootless: true))));
        s.Linux.Namespaces!.RemoveAll(n => n.Type == "network");
        Assert.Equal("unable to move network devices without a NET namespace", Fails(s));
    }

    [Theory]
    [InlineData("eth0", true)]
    [InlineData("eth%d", true)]
    [InlineData("fifteen-chars-x", true)]
    [InlineData("sixteen-chars-xx", false)]
    [InlineData("", false)]
    [InlineData(".", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("a:b", false)]
    [InlineData("a b", false)]
    public void DeviceNamesFollowTheKernel(string name, bool valid) => Assert.Equal(valid, Validate.DevValidName(name));

    [Fact]
    public void MemoryPolicyConvertsModesFlagsAndNodes()
    {
        var p = MemoryPolicy.Convert(new LinuxMemoryPolicy { Mode = "MPOL_INTERLEAVE", Nodes = "0-2,5", Flags = ["MPOL_F_STATIC_NODES", "MPOL_F_NUMA_BALANCING"] })!.Value;
        Assert.Equal(3, p.Mode);
        Assert.Equal((1 << 15) | (1 << 13), p.Flags);
        Assert.Equal([0, 1, 2, 5], p.Nodes);
        Assert.Empty(MemoryPolicy.Convert(new LinuxMemoryPolicy { Mode = "MPOL_PREFERRED" })!.Value.Nodes);
        Assert.Null(MemoryPolicy.Convert(null));
    }

    [Fact]
    public void MemoryPolicyIsCheckedBySpecValidation()
    {
        var s = Good();
        s.Linux!.MemoryPolicy = new LinuxMemoryPolicy { Mode = "MPOL_BIND" };
        Assert.Equal("memory policy mode requires at least one node but got 0", Fails(s));
    }

    [Theory]
    [InlineData("MPOL_WEIGHTED_INTERLEAVE", null, "6.8.0-1-amd64", "memory policy mode MPOL_WEIGHTED_INTERLEAVE is not supported by this kernel (6.8.0-1-amd64; it needs Linux 6.9 or later)")]
    [InlineData("MPOL_PREFERRED_MANY", null, "5.10.0", "memory policy mode MPOL_PREFERRED_MANY is not supported by this kernel (5.10.0; it needs Linux 5.15 or later)")]
    [InlineData("MPOL_BIND", "MPOL_F_NUMA_BALANCING", "5.4.0", "memory policy flag MPOL_F_NUMA_BALANCING is not supported by this kernel (5.4.0; it needs Linux 5.12 or later)")]
    [InlineData("MPOL_WEIGHTED_INTERLEAVE", null, "6.18.44-fc", null)]
    [InlineData("MPOL_BIND", null, "garbage", null)]
    public void AModeTheKernelLacksIsNamed(string mode, string? flag, string release, string? expected) =>
        Assert.Equal(expected, MemoryPolicy.Unsupported(new LinuxMemoryPolicy { Mode = mode, Flags = flag is null ? null : [flag] }, release));

    [Fact]
    public void ExecCpuAffinityIsParsedAtCreate()
    {
        var s = Good();
        s.Process!.ExecCpuAffinity = new CpuAffinity { Initial = "0-1", Final = "1" };
        Validate.Spec(s, false, rootlessEuid: false);
        var (initial, final) = Validate.ExecCpuAffinity(s.Process.ExecCpuAffinity)!.Value;
        Assert.Equal([0, 1], initial!);
        Assert.Equal([1], final!);
        Assert.Null(Validate.ExecCpuAffinity(new CpuAffinity()));
        s.Process.ExecCpuAffinity = new CpuAffinity { Final = "z" };
        Assert.Equal("bad CPUAffinity.Final: strconv.ParseUint: parsing \"z\": invalid syntax", Fails(s));
    }

    [Fact]
    public void UserSysctlsNeedAUserNamespace()
    {
        Validate.Sysctl(new() { ["user.max_user_namespaces"] = "5" }, New("user"));
        var e = Assert.Throws<ContainerException>(() => Validate.Sysctl(new() { ["user/max_user_namespaces"] = "5" }, New("ipc")));
        Assert.Equal("setting ucounts without a user namespace not allowed: user.max_user_namespaces", e.Message);
    }

    [Fact]
    public void JoiningOurOwnNetnsCountsAsTheHostsForNetSysctls()
    {
        var own = new NamespaceSet([new LinuxNamespace { Type = "network", Path = "/proc/self/ns/net" }]);
        var e = Assert.Throws<ContainerException>(() => Validate.Sysctl(new() { ["net.core.somaxconn"] = "1" }, own));
        Assert.Equal("sysctl \"net.core.somaxconn\" not allowed in host network namespace", e.Message);
        // control: a new netns, and a joined one that is not ours (a process in a network namespace of its own)
        Validate.Sysctl(new() { ["net.core.somaxconn"] = "1" }, New("network"));
        using (var other = System.Diagnostics.Process.Start("unshare", "--net sleep 30"))
        {
            try
            {
                string path = $"/proc/{other.Id}/ns/net";
                for (int i = 0; i < 200 && File.ResolveLinkTarget(path, false)?.Name == File.ResolveLinkTarget("/proc/self/ns/net", false)?.Name; i++)
                    Thread.Sleep(10); // until unshare has made the new namespace
                Validate.Sysctl(new() { ["net.core.somaxconn"] = "1" },
                    new NamespaceSet([new LinuxNamespace { Type = "network", Path = path }]));
            }
            finally
            {
                other.Kill();
                other.WaitForExit();
            }
        }
        var missing = new NamespaceSet([new LinuxNamespace { Type = "network", Path = "/nonexistent/ns/net" }]);
        Assert.Equal("invalid netns path",
            Assert.Throws<ContainerException>(() => Validate.Sysctl(new() { ["net.core.somaxconn"] = "1" }, missing)).Message);
    }

    [Fact]
    public void AJoinedTimeNamespaceTakesNoOffsets()
    {
        var s = Good();
        s.Linux!.Namespaces!.Add(new LinuxNamespace { Type = "time", Path = "/proc/1/ns/time" });
        s.Linux.TimeOffsets = new() { ["monotonic"] = new LinuxTimeOffset { Secs = 1 } };
        Assert.Equal("time namespace enabled, but both namespace path and time offsets specified -- you may only provide one", Fails(s));
    }
}
