using System.Runtime.InteropServices;
using Skiff.LibContainer;
using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Xunit;
using static Skiff.Linux.Libc;

namespace Skiff.UnitTests.Rootfs;

public class MountHelpersTests
{
    [Fact]
    public void MountErrorReadsLikeRuncs()
    {
        var ex = MountCall.Error("mount", "proc", "/proc", "/proc/self/fd/7", MS_NOSUID | MS_NODEV | MS_NOEXEC, null, Errno.EPERM);
        Assert.Equal("mount proc:/proc (via /proc/self/fd/7), flags: 0xe: operation not permitted", ex.Message);
        Assert.Equal(Errno.EPERM, ex.Errno);
        var wrapped = new ContainerException("error mounting \"proc\" to rootfs at \"/proc\"", ex);
        Assert.Equal("error mounting \"proc\" to rootfs at \"/proc\": mount proc:/proc (via /proc/self/fd/7), flags: 0xe: operation not permitted",
            ErrorText.Render(wrapped));
        Assert.True(wrapped.Has(Errno.EPERM));

        Assert.Equal("mount /x (via /proc/self/fd/3), flags: 0x1021: invalid argument",
            MountCall.Error("mount", "", "/x", "/proc/self/fd/3", MS_BIND | MS_REMOUNT | MS_RDONLY, "", Errno.EINVAL).Message);
        Assert.Equal("mount proc:/proc (via /proc/self/fd/6), data: bogus: invalid argument",
            MountCall.Error("mount", "proc", "/proc", "/proc/self/fd/6", 0, "bogus", Errno.EINVAL).Message);
        Assert.Equal("unmount ., flags: 0x2: device or resource busy",
            MountCall.Error("unmount", null, ".", null, MNT_DETACH, null, Errno.EBUSY).Message);
    }

    [Theory]
    [InlineData(ST_RDONLY | ST_NOSUID | ST_NODEV | ST_RELATIME, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_RELATIME)]
    [InlineData(ST_NOEXEC, MS_NOEXEC | MS_STRICTATIME)]
    [InlineData(ST_NOATIME | ST_NODIRATIME, MS_NOATIME | MS_NODIRATIME)]
    [InlineData(0L, MS_STRICTATIME)]
    public void StatfsFlags(long st, ulong ms) => Assert.Equal(ms, MountCall.StatfsToMountFlags(st));

    [Fact]
    public void StructSizesMatchTheKernel()
    {
        Assert.Equal(120, Marshal.SizeOf<StatfsBuf>());
        Assert.Equal(256, Marshal.SizeOf<StatxBuf>());
        Assert.Equal(128, Marshal.OffsetOf<StatxBuf>(nameof(StatxBuf.RdevMajor)).ToInt32());
        Assert.Equal(80, Marshal.OffsetOf<StatfsBuf>(nameof(StatfsBuf.Flags)).ToInt32());
    }

    [Fact]
    public void StatfsAndStatModeWork()
    {
        Assert.Equal(0, Statfs("/proc", out var st));
        Assert.Equal(PROC_SUPER_MAGIC, st.Type);
        Assert.Equal(0, StatMode(AT_FDCWD, "/proc", 0, out uint mode));
        Assert.Equal(S_IFDIR, mode & S_IFMT);
        Assert.Equal(0, StatMode(AT_FDCWD, "/proc/self", AT_SYMLINK_NOFOLLOW, out mode));
        Assert.Equal(S_IFLNK, mode & S_IFMT);
        Assert.Equal(0, StatMode(AT_FDCWD, "/dev/null", 0, out mode));
        Assert.Equal(S_IFCHR, mode & S_IFMT);
    }

    [Theory]
    [InlineData(1UL, 3UL, 0x103UL)]
    [InlineData(5UL, 0UL, 0x500UL)]
    [InlineData(10UL, 229UL, 0xae5UL)]
    public void Makedev(ulong major, ulong minor, ulong expected) => Assert.Equal(expected, Libc.Makedev(major, minor));

    [Fact]
    public void MakedevLargeNumbersRoundTrip()
    {
        // Split back as glibc's major()/minor() do.
        ulong dev = Libc.Makedev(4095 + 259, 0x12345);
        ulong maj = ((dev >> 32) & 0xfffff000UL) | ((dev >> 8) & 0xfffUL);
        ulong min = ((dev >> 12) & 0xffffff00UL) | (dev & 0xffUL);
        Assert.Equal((4095UL + 259, 0x12345UL), (maj, min));
    }

    [Fact]
    public void FstatRdevOfDevNull()
    {
        using SafeFd fd = Libc.Open("/dev/null", O_RDONLY);
        Assert.Equal(0, FstatRdev(fd.Fd, out uint mode, out uint maj, out uint min));
        Assert.Equal(S_IFCHR, mode & S_IFMT);
        Assert.Equal((1u, 3u), (maj, min));
    }

    [Theory]
    [InlineData("/proc/cpuinfo", true)]
    [InlineData("/proc/net/dev", true)]
    [InlineData("/proc/sys/kernel/ns_last_pid", true)]
    [InlineData("/procfoo", true)]
    [InlineData("/sys", true)]
    [InlineData("/proc/foo", false)]
    [InlineData("/proc/sys", false)]
    public void CheckProcMount(string dest, bool ok)
    {
        var m = new MountEntry { Source = "/somewhere", Destination = "/mnt/x", Device = "bind" };
        if (ok) MountToRootfs.CheckProcMount("/r", dest, m);
        else
        {
            var ex = Assert.Throws<ContainerException>(() => MountToRootfs.CheckProcMount("/r", dest, m));
            Assert.Equal("check proc-safety of /mnt/x mount", ex.Message);
            Assert.Equal($"\"/r{dest}\" cannot be mounted because it is inside /proc", ex.InnerException!.Message);
        }
    }

    [Fact]
    public void CheckProcMountOnProcItself()
    {
        MountToRootfs.CheckProcMount("/r", "/proc", new MountEntry { Source = "/proc", Destination = "/proc", Device = "bind" });
        MountToRootfs.CheckProcMount("/r", "/proc", new MountEntry { Source = "proc", Destination = "/proc", Device = "proc" });
        var ex = Assert.Throws<ContainerException>(() =>
            MountToRootfs.CheckProcMount("/r", "/proc", new MountEntry { Source = "/tmp", Destination = "/proc", Device = "bind" }));
        Assert.Equal("\"/r/proc\" cannot be mounted because it is not of type proc", ex.InnerException!.Message);
    }
}
