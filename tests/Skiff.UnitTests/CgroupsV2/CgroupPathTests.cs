using Skiff.Cgroups.V2;
using Xunit;

namespace Skiff.UnitTests.CgroupsV2;

public class CgroupPathTests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("a/b", "a/b")]
    [InlineData("../../a", "a")]
    [InlineData("/../../a", "/a")]
    [InlineData("/a//b/./c/..", "/a/b")]
    [InlineData("a/../..", ".")]
    public void Clean(string input, string expected) => Assert.Equal(expected, CgroupPath.Clean(input));

    [Fact]
    public void AbsolutePathGoesUnderTheMountRoot()
    {
        Assert.Equal("/sys/fs/cgroup/machine/ctr", CgroupPath.Resolve("/machine/ctr", "id", "/sys/fs/cgroup"));
        Assert.Equal("/sys/fs/cgroup/x", CgroupPath.Resolve("/../../x", "id", "/sys/fs/cgroup"));
        Assert.Equal("/sys/fs/cgroup/unified/ctr", CgroupPath.Resolve("/ctr", "id", "/sys/fs/cgroup/unified"));
    }

    [Fact]
    public void RelativePathAndIdGoUnderTheParentOfOurOwnCgroup()
    {
        string own = Path.GetTempFileName();
        try
        {
            File.WriteAllText(own, "12:pids:/x\n0::/user.slice/user-0.slice/session-1.scope\n");
            Assert.Equal("/sys/fs/cgroup/user.slice/user-0.slice/rel/ctr",
                CgroupPath.Resolve("rel/ctr", "id", "/sys/fs/cgroup", own));
            Assert.Equal("/sys/fs/cgroup/user.slice/user-0.slice/myid",
                CgroupPath.Resolve(null, "myid", "/sys/fs/cgroup", own));
            Assert.Equal("/sys/fs/cgroup/user.slice/user-0.slice/myid",
                CgroupPath.Resolve("", "myid", "/sys/fs/cgroup", own));
            File.WriteAllText(own, "0::/\n");
            Assert.Equal("/sys/fs/cgroup/unified/myid", CgroupPath.Resolve(null, "myid", "/sys/fs/cgroup/unified", own));
        }
        finally { File.Delete(own); }
    }

    [Fact]
    public void OwnCgroupParsing()
    {
        Assert.Equal("/a/b", CgroupPath.ParseOwnCgroup("1:name=systemd:/z\n0::/a/b\n"));
        Assert.Equal("cgroup path not found", Assert.Throws<CgroupV2Exception>(() => CgroupPath.ParseOwnCgroup("1:cpu:/\n")).Message);
        Assert.Contains("invalid cgroup entry", Assert.Throws<CgroupV2Exception>(() => CgroupPath.ParseOwnCgroup("garbage\n")).Message);
    }

    [Fact]
    public void ManagerRejectsADirOutsideTheMountRoot()
    {
        Assert.Equal("invalid cgroup path /tmp/x", Assert.Throws<CgroupV2Exception>(() => new Manager("/tmp/x", "/sys/fs/cgroup")).Message);
        Assert.Throws<CgroupV2Exception>(() => new Manager("/sys/fs/cgroupX/a", "/sys/fs/cgroup"));
        var m = Manager.ForPath("/a/b", "id", "/sys/fs/cgroup");
        Assert.Equal("/sys/fs/cgroup/a/b", m.Dir);
        Assert.Equal("/sys/fs/cgroup/a/b", m.Paths[""]);
        Assert.Single(m.Paths);
    }
}
