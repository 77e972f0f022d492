using Skiff.Cgroups;
using Skiff.Cgroups.V1;
using Xunit;

namespace Skiff.UnitTests.Cgroups;

public class CgroupPathsTests
{
    [Fact]
    public void EmptyPath_IsContainerIdBelowOwnCgroup()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("ctr1", null, systemd: false, rootless: false, h.Roots);
        Assert.Equal(h.Dir("memory/process_api/abc/ctr1"), m.Paths["memory"]);
        Assert.Equal(h.Dir("cpu,cpuacct/ctr1"), m.Paths["cpu"]);
        Assert.Equal(h.Dir("cpu,cpuacct/ctr1"), m.Paths["cpuacct"]);
        Assert.Equal(h.Dir("systemd/ctr1"), m.Paths["name=systemd"]);
        Assert.Equal(h.Dir("unified/ctr1"), m.Paths[""]);
        Assert.Equal(h.Dir("devices/ctr1"), m.Paths["devices"]);
        Assert.False(m.Paths.ContainsKey("hugetlb"));
        Assert.False(m.Paths.ContainsKey("net_cls"));
        Assert.Equal(
            new[] { "", "blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "memory", "name=systemd", "pids" },
            m.Paths.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AbsolutePath_IsBelowEachMountPoint()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("ctr1", "/skiff/x", false, false, h.Roots);
        Assert.Equal(h.Dir("memory/skiff/x"), m.Paths["memory"]);
        Assert.Equal(h.Dir("pids/skiff/x"), m.Paths["pids"]);
        Assert.Equal(h.Dir("unified/skiff/x"), m.Paths[""]);
    }

    [Fact]
    public void RelativePath_IsBelowOwnCgroup_AndCannotClimbOut()
    {
        using var h = new FakeHierarchy();
        ICgroupManager m = CgroupManagerFactory.Create("ctr1", "a/b", false, false, h.Roots);
        Assert.Equal(h.Dir("memory/process_api/abc/a/b"), m.Paths["memory"]);
        Assert.Equal(h.Dir("pids/a/b"), m.Paths["pids"]);

        m = CgroupManagerFactory.Create("ctr1", "../../x", false, false, h.Roots);
        Assert.Equal(h.Dir("memory/process_api/abc/x"), m.Paths["memory"]);
    }

    [Fact]
    public void Systemd_NamesTheScopeAfterTheCgroupsPathAndCreatesNothingBeforeApply()
    {
        var m = CgroupManagerFactory.Create("c", "machine.slice:pfx:n1", systemd: true, rootless: false);
        Assert.Equal("pfx-n1.scope", ((Skiff.Cgroups.Systemd.SystemdManager)m).Unit);
        Assert.All(m.Paths.Values, p => Assert.EndsWith("/machine.slice/pfx-n1.scope", p));
        Assert.All(m.Paths.Values, p => Assert.False(Directory.Exists(p)));
    }

    [Fact]
    public void Systemd_ABadSliceFailsBeforeAnything()
    {
        var ex = Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create("c", "x:pfx:n1", systemd: true, rootless: false));
        Assert.Equal("invalid slice name: x", ex.Message);
    }

    [Fact]
    public void MissingDevicesHierarchy_IsFatal()
    {
        using var h = new FakeHierarchy();
        File.WriteAllLines(h.Roots.MountInfo, File.ReadAllLines(h.Roots.MountInfo).Where(l => !l.EndsWith(",devices")));
        var ex = Assert.Throws<CgroupException>(() => CgroupManagerFactory.Create("c", null, false, false, h.Roots));
        Assert.Contains("devices", ex.Message);
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("/a/../b/", "/b")]
    [InlineData("a/./b", "a/b")]
    [InlineData("../../a", "a")]
    [InlineData("..", ".")]
    [InlineData("/../..", "/")]
    public void CleanPath_AsRunc(string input, string expected) => Assert.Equal(expected, CgroupPaths.CleanPath(input));

    [Fact]
    public void MountInfo_ParsesCombinedNamedUnifiedAndEscapes()
    {
        string mi =
            "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
            "32 30 0:29 /inner /x\\040y rw - cgroup cgroup rw,memory\n" +
            "33 30 0:30 / /sys/fs/cgroup/systemd rw shared:9 - cgroup cgroup rw,xattr,name=systemd\n" +
            "34 30 0:31 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n" +
            "35 30 0:28 / /elsewhere rw - cgroup cgroup rw,cpu,cpuacct\n";
        var own = MountTable.ParseProcCgroup("2:cpu,cpuacct:/\n1:memory:/m\n3:name=systemd:/s\n0::/u\n");
        Assert.Equal("/u", own[""]);
        Assert.Equal("/s", own["name=systemd"]);
        Assert.Equal("/", own["cpuacct"]);
        var mounts = MountTable.ParseMountInfo(mi, own);
        Assert.Equal(4, mounts.Count);
        Assert.Equal(new[] { "cpu", "cpuacct" }, mounts[0].Subsystems);
        Assert.Equal("/x y", mounts[1].MountPoint);
        Assert.Equal("/inner", mounts[1].Root);
        Assert.Equal(new[] { "name=systemd" }, mounts[2].Subsystems);
        Assert.True(mounts[3].IsUnified);
    }

    [Fact]
    public void RelativePath_UsesMountRoot_ForNestedContainers()
    {
        // Inside a container the mount root is the container's cgroup and /proc/self/cgroup shows host paths.
        Assert.Equal("sub", CgroupPaths.Relative("/docker/abc", "/docker/abc/sub"));
        Assert.Equal(".", CgroupPaths.Relative("/docker/abc", "/docker/abc"));
        Assert.Equal("../x", CgroupPaths.Relative("/a/b", "/a/x"));
    }
}
