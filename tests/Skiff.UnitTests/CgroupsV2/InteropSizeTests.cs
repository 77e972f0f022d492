using System.Runtime.CompilerServices;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.CgroupsV2;

public class InteropSizeTests
{
    [Fact]
    public void StructSizesMatchTheKernelsOnX64()
    {
        Assert.Equal(120, Unsafe.SizeOf<Libc.StatfsBuf>());
        Assert.Equal(72, Unsafe.SizeOf<Libc.BpfProgLoadAttr>());
        Assert.Equal(24, Unsafe.SizeOf<Libc.BpfProgAttachAttr>());
        Assert.Equal(40, Unsafe.SizeOf<Libc.BpfProgQueryAttr>());
        Assert.Equal(16, Unsafe.SizeOf<Libc.BpfGetIdAttr>());
    }

    [Fact]
    public void StatfsOfTmpIsNotCgroup2()
    {
        Assert.NotEqual(Libc.CGROUP2_SUPER_MAGIC, Libc.StatfsType("/tmp"));
        Assert.Equal(Errno.ENOENT, Libc.TryStatfsType("/nonexistent-skiff", out _));
        Assert.Equal("statfs /nonexistent-skiff: no such file or directory",
            Assert.Throws<SyscallException>(() => Libc.StatfsType("/nonexistent-skiff")).Message);
    }
}
