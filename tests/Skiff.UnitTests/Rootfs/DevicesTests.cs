using RootfsDevices = Skiff.LibContainer.Rootfs.Devices;
using Skiff.LibContainer;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Rootfs;

public class DevicesTests
{
    [Fact]
    public void DefaultsInRuncsOrder()
    {
        var list = RootfsDevices.FromSpec(null);
        Assert.Equal(["/dev/null", "/dev/random", "/dev/full", "/dev/tty", "/dev/zero", "/dev/urandom"], list.Select(d => d.Path));
        Assert.All(list, d => Assert.Equal(0x1B6u, d.FileMode));
        Assert.Equal(new RootfsDevices.Node("/dev/tty", 'c', 5, 0, 0x1B6, 0, 0), list[3]);
    }

    [Fact]
    public void SpecDevicesOverrideDefaultsAndComeLast()
    {
        var list = RootfsDevices.FromSpec(
        [
            new LinuxDevice { Path = "/dev/null", Type = "c", Major = 1, Minor = 3, FileMode = 0x2180 /* S_IFCHR|0600 */, Uid = 7 },
            new LinuxDevice { Path = "/dev/fuse", Type = "u", Major = 10, Minor = 229 },
            new LinuxDevice { Path = "/dev/sda", Type = "b", Major = 8, Minor = 0, Gid = 6 },
            new LinuxDevice { Path = "/dev/fifo", Type = "p" },
        ]);
        Assert.Equal(["/dev/random", "/dev/full", "/dev/tty", "/dev/zero", "/dev/urandom", "/dev/null", "/dev/fuse", "/dev/sda", "/dev/fifo"],
            list.Select(d => d.Path));
        Assert.Equal(new RootfsDevices.Node("/dev/null", 'c', 1, 3, 0x180, 7, 0), list[5]); // type bits stripped
        Assert.Equal('c', list[6].Type);
        Assert.Equal(0x1B6u, list[6].FileMode);
        Assert.Equal(('b', 6u), (list[7].Type, list[7].Gid));
        Assert.Equal('p', list[8].Type);
    }

    [Fact]
    public void BadDeviceType()
    {
        var ex = Assert.Throws<ContainerException>(() => RootfsDevices.FromSpec([new LinuxDevice { Path = "/dev/x", Type = "z" }]));
        Assert.Equal("invalid device type \"z\"", ex.Message);
    }

    [Fact]
    public void NotInAUserNamespaceHere()
    {
        // The test host runs in the initial user namespace (uid_map "0 0 4294967295").
        string map = File.ReadAllText("/proc/self/uid_map");
        bool initial = map.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["0", "0", "4294967295\n" or "4294967295"];
        Assert.Equal(!initial, Skiff.Linux.UserNamespace.RunningInUserNs());
    }
}
