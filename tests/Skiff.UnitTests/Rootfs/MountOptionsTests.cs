using Skiff.LibContainer.Rootfs;
using Xunit;
using static Skiff.Linux.Libc;

namespace Skiff.UnitTests.Rootfs;

public class MountOptionsTests
{
    public static TheoryData<string[], ulong, ulong, string> Flags => new()
    {
        { [], 0, 0, "" },
        { ["ro"], MS_RDONLY, 0, "" },
        { ["ro", "rw"], 0, MS_RDONLY, "" },
        { ["rw", "ro"], MS_RDONLY, 0, "" },
        { ["nosuid", "noexec", "nodev"], MS_NOSUID | MS_NOEXEC | MS_NODEV, 0, "" },
        { ["suid", "exec", "dev"], 0, MS_NOSUID | MS_NOEXEC | MS_NODEV, "" },
        { ["bind"], MS_BIND, 0, "" },
        { ["rbind", "ro"], MS_BIND | MS_REC | MS_RDONLY, 0, "" },
        { ["sync", "dirsync", "remount", "mand"], MS_SYNCHRONOUS | MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK, 0, "" },
        { ["async", "nomand"], 0, MS_SYNCHRONOUS | MS_MANDLOCK, "" },
        { ["noatime", "nodiratime", "relatime", "strictatime"], MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME, 0, "" },
        { ["atime", "diratime", "norelatime", "nostrictatime"], 0, MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME, "" },
        { ["nosuid", "strictatime", "mode=755", "size=65536k"], MS_NOSUID | MS_STRICTATIME, 0, "mode=755,size=65536k" },
        { ["newinstance", "ptmxmode=0666", "mode=0620", "gid=5"], 0, 0, "newinstance,ptmxmode=0666,mode=0620,gid=5" },
        { ["defaults", "ro"], MS_RDONLY, 0, "defaults" }, // as runc: not a flag, so data
    };

    [Theory]
    [MemberData(nameof(Flags))]
    public void ParsesFlagsClearedFlagsAndData(string[] options, ulong flags, ulong cleared, string data)
    {
        var o = MountOptions.Parse(options);
        Assert.Equal(flags, o.Flags);
        Assert.Equal(cleared, o.ClearedFlags);
        Assert.Equal(data, o.Data);
        Assert.Empty(o.PropagationFlags);
        Assert.False(o.HasRecAttr);
    }

    [Fact]
    public void PropagationFlagsKeepTheirOrder()
    {
        var o = MountOptions.Parse(["rbind", "rslave", "private", "shared", "rshared", "slave", "rprivate", "unbindable", "runbindable"]);
        Assert.Equal(
            [MS_SLAVE | MS_REC, MS_PRIVATE, MS_SHARED, MS_SHARED | MS_REC, MS_SLAVE, MS_PRIVATE | MS_REC, MS_UNBINDABLE, MS_UNBINDABLE | MS_REC],
            o.PropagationFlags);
        Assert.Equal(MS_BIND | MS_REC, o.Flags);
    }

    [Fact]
    public void RecursiveAttributesGoToMountSetattr()
    {
        var o = MountOptions.Parse(["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rdiratime"]);
        Assert.True(o.HasRecAttr);
        Assert.Equal(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC, o.RecAttrSet);
        Assert.Equal(MOUNT_ATTR_NODIRATIME, o.RecAttrClr);
        Assert.Equal(MS_BIND | MS_REC, o.Flags);
        Assert.Equal("", o.Data);
    }

    [Fact]
    public void RecursiveClearUndoesSet()
    {
        var o = MountOptions.Parse(["rro", "rrw"]);
        Assert.Equal(0UL, o.RecAttrSet);
        Assert.Equal(MOUNT_ATTR_RDONLY, o.RecAttrClr);
    }

    [Theory]
    [InlineData("rnoatime", MOUNT_ATTR_NOATIME)]
    [InlineData("rstrictatime", MOUNT_ATTR_STRICTATIME)]
    [InlineData("rrelatime", MOUNT_ATTR_RELATIME)]
    public void AtimeModesAlsoClearTheAtimeField(string option, ulong attr)
    {
        var o = MountOptions.Parse([option]);
        Assert.Equal(attr, o.RecAttrSet);
        Assert.Equal(MOUNT_ATTR__ATIME, o.RecAttrClr & MOUNT_ATTR__ATIME);
        Assert.True(o.HasRecAttr);
    }

    [Fact]
    public void ExtensionsAreNotData()
    {
        var o = MountOptions.Parse(["tmpcopyup", "mode=1777"]);
        Assert.True(o.TmpCopyUp);
        Assert.Equal("mode=1777", o.Data);
        Assert.True(MountOptions.Parse(["idmap"]).IdMap);
    }

    [Fact]
    public void BindTypeIsForcedAndRelativeSourceJoinsTheBundle()
    {
        var m = MountEntry.FromSpec(new Skiff.RuntimeSpec.Mount
        {
            Destination = "/data", Type = "none", Source = "vol", Options = ["rbind", "ro"],
        }, "/bundles/c1");
        Assert.Equal("bind", m.Device);
        Assert.Equal("/bundles/c1/vol", m.Source);
        Assert.Equal(MS_BIND | MS_REC | MS_RDONLY, m.Flags);
    }

    [Theory]
    [InlineData("/dev", "/dev")]
    [InlineData("/dev/", "/dev")]
    [InlineData("//dev/./", "/dev")]
    [InlineData("/a/../dev", "/dev")]
    [InlineData("dev", "/dev")]
    [InlineData("/../..", "/")]
    public void CleanPath(string input, string expected) => Assert.Equal(expected, MountEntry.CleanPath(input));

    [Theory]
    [InlineData("rslave", MS_SLAVE | MS_REC)]
    [InlineData("private", MS_PRIVATE)]
    [InlineData("", 0UL)]
    [InlineData(null, 0UL)]
    public void RootPropagation(string? value, ulong expected) => Assert.Equal(expected, RootfsSetup.RootPropagation(value));

    [Fact]
    public void UnknownRootPropagationIsRefused()
    {
        var ex = Assert.Throws<Skiff.LibContainer.ContainerException>(() => RootfsSetup.RootPropagation("weird"));
        Assert.Equal("rootfsPropagation=weird is not supported", ex.Message);
    }

    [Fact]
    public void ALaterRecursiveAtimeModeReplacesAnEarlierOne()
    {
        var o = MountOptions.Parse(["rbind", "rnoatime", "rstrictatime"]);
        Assert.Equal(MOUNT_ATTR_STRICTATIME, o.RecAttrSet);
        Assert.Equal(MOUNT_ATTR__ATIME, o.RecAttrClr);

        o = MountOptions.Parse(["rbind", "rstrictatime", "rrelatime", "rnodiratime"]);
        Assert.Equal(MOUNT_ATTR_RELATIME | MOUNT_ATTR_NODIRATIME, o.RecAttrSet);
        Assert.Equal(MOUNT_ATTR__ATIME, o.RecAttrClr);
    }
}
