using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Rootfs;

public class MountCgroupTests
{
    private const string Sample =
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
        "30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755\n" +
        "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid shared:5 - cgroup2 cgroup2 rw,nsdelegate\n" +
        "32 30 0:28 / /sys/fs/cgroup/systemd rw,nosuid shared:6 - cgroup cgroup rw,xattr,name=systemd\n" +
        "33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:7 - cgroup cgroup rw,cpu,cpuacct\n" +
        "34 30 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:8 - cgroup cgroup rw,memory\n" +
        "35 30 0:30 / /other/memory rw,nosuid - cgroup cgroup rw,memory\n" +
        "40 22 0:40 / /mnt/with\\040space rw master:3 shared:9 - tmpfs a\\134b rw\n";

    private const string SelfCgroup =
        "5:memory:/user.slice/c1\n3:cpu,cpuacct:/user.slice/c1\n1:name=systemd:/user.slice/c1.scope\n0::/user.slice\n";

    [Fact]
    public void CgroupHierarchiesFromProcSelfCgroup()
    {
        var hs = MountCgroup.Hierarchies(MountInfoEntry.Parse(Sample), SelfCgroup, null);
        Assert.Equal(3, hs.Count); // cgroup2 skipped, the second memory mount deduplicated
        Assert.Equal("/sys/fs/cgroup/systemd", hs[0].MountPoint);
        Assert.Equal(["name=systemd"], hs[0].Subsystems);
        Assert.Equal("/sys/fs/cgroup/systemd/user.slice/c1.scope", hs[0].OwnPath);
        Assert.Equal(["cpu", "cpuacct"], hs[1].Subsystems);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/user.slice/c1", hs[1].OwnPath);
        Assert.Equal("/sys/fs/cgroup/memory/user.slice/c1", hs[2].OwnPath);
    }

    [Fact]
    public void CgroupPathsOverrideProcSelfCgroup()
    {
        var paths = new Dictionary<string, string>
        {
            ["cpuacct"] = "/sys/fs/cgroup/cpu,cpuacct/mine",
            ["systemd"] = "/sys/fs/cgroup/systemd/mine",
        };
        var hs = MountCgroup.Hierarchies(MountInfoEntry.Parse(Sample), SelfCgroup, paths);
        Assert.Equal("/sys/fs/cgroup/systemd/mine", hs[0].OwnPath);
        Assert.Equal("/sys/fs/cgroup/cpu,cpuacct/mine", hs[1].OwnPath);
        Assert.Equal("/sys/fs/cgroup/memory/user.slice/c1", hs[2].OwnPath);
    }

    [Fact]
    public void HierarchyRootIsTakenIntoAccount()
    {
        // Inside a cgroup namespace-less container whose hierarchy root is itself a sub-cgroup.
        const string mi = "34 30 0:30 /user.slice /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        var hs = MountCgroup.Hierarchies(MountInfoEntry.Parse(mi), "5:memory:/user.slice/c1\n", null);
        Assert.Equal("/sys/fs/cgroup/memory/c1", Assert.Single(hs).OwnPath);
    }
}
