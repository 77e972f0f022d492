using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public class MountInfoEntryTests
{
    private const string Sample =
        "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n" +
        "30 22 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755\n" +
        "34 30 0:30 /inner /sys/fs/cgroup/memory rw,nosuid shared:8 - cgroup cgroup rw,memory\n" +
        "40 22 0:40 /a\\011b /mnt/with\\040space rw master:3 shared:9 - tmpfs a\\134b rw\n" +
        "41 22 0:41 / /mnt/caf\\303\\251 rw - tmpfs t rw\n";

    [Fact]
    public void ParsesEveryField()
    {
        var list = MountInfoEntry.Parse(Sample);
        Assert.Equal(5, list.Count);
        Assert.Equal(new MountInfoEntry(34, 30, "/inner", "/sys/fs/cgroup/memory", "rw,nosuid", "shared:8", "cgroup",
            "cgroup", "rw,memory"), list[2]);
        Assert.Equal("", MountInfoEntry.Parse("50 22 0:50 / /x rw - proc proc rw\n")[0].Optional);
    }

    [Fact]
    public void UnescapesRootMountPointAndSource()
    {
        var m = MountInfoEntry.Parse(Sample)[3];
        Assert.Equal("/a\tb", m.Root);
        Assert.Equal("/mnt/with space", m.MountPoint);
        Assert.Equal("master:3 shared:9", m.Optional);
        Assert.Equal("a\\b", m.Source);
        // octal escapes are bytes: a UTF-8 sequence written escaped decodes to its character
        Assert.Equal("/mnt/café", MountInfoEntry.Parse(Sample)[4].MountPoint);
        Assert.Equal("x\\09", MountInfoEntry.Unescape("x\\09"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage\n")]
    [InlineData("22 1 254:0 / / rw shared:1 ext4 /dev/vda rw\n")]   // no separator
    [InlineData("x 1 254:0 / / rw - ext4 /dev/vda rw\n")]           // id not a number
    [InlineData("22 1 254:0 / / rw - ext4 /dev/vda\n")]             // super options missing
    public void SkipsMalformedLines(string text) => Assert.Empty(MountInfoEntry.Parse(text));

    [Fact]
    public void ReadsOurOwnMountinfo() =>
        Assert.Contains(MountInfoEntry.Read(), m => m.MountPoint == "/" || m.FsType == "proc");

    [Theory]
    [InlineData("/", "/any/thing", true)]
    [InlineData("/tmp", "/tmp/rootfs", true)]
    [InlineData("/tmp/rootfs", "/tmp/rootfs", true)]
    [InlineData("/tm", "/tmp/rootfs", false)]
    [InlineData("/tmp/rootfs/x", "/tmp/rootfs", false)]
    public void ParentsFilter(string mountPoint, string path, bool expected) =>
        Assert.Equal(expected, MountInfoEntry.IsParentOf(mountPoint, path));
}
