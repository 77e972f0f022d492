using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Rootfs;

public sealed class SecureJoinTests : IDisposable
{
    private readonly string _root;

    public SecureJoinTests()
    {
        _root = Path.Combine(Path.GetTempPath(), "skiff-sj-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Join(_root, "etc"));
        Directory.CreateDirectory(Path.Join(_root, "var/lib"));
        File.WriteAllText(Path.Join(_root, "etc/passwd"), "x");
        File.CreateSymbolicLink(Path.Join(_root, "up"), "../../../..");         // relative, climbs out
        File.CreateSymbolicLink(Path.Join(_root, "abs"), "/etc");               // absolute: means <root>/etc
        File.CreateSymbolicLink(Path.Join(_root, "var/lib/back"), "../../etc"); // relative, stays inside
        File.CreateSymbolicLink(Path.Join(_root, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Join(_root, "loop2"), "loop1");
        File.CreateSymbolicLink(Path.Join(_root, "dangling"), "/nowhere/deep");
        File.CreateSymbolicLink(Path.Join(_root, "chain"), "abs/../up/var");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("/", "")]
    [InlineData("", "")]
    [InlineData("/etc/passwd", "/etc/passwd")]
    [InlineData("etc", "/etc")]
    [InlineData("/../../etc", "/etc")]
    [InlineData("/up", "")]
    [InlineData("/up/etc/passwd", "/etc/passwd")]
    [InlineData("/abs", "/etc")]
    [InlineData("/abs/passwd", "/etc/passwd")]
    [InlineData("/var/lib/back/passwd", "/etc/passwd")]
    [InlineData("/dangling", "/nowhere/deep")]
    [InlineData("/dangling/../x", "/nowhere/x")]
    [InlineData("/missing/a/../b", "/missing/b")]
    [InlineData("/chain", "/var")]
    [InlineData("/etc/passwd/..", "/etc")]
    public void ResolvesInsideRoot(string unsafePath, string expectedRel)
    {
        string got = SecureJoin.Join(_root, unsafePath);
        Assert.Equal(_root + expectedRel, got);
        Assert.StartsWith(_root, got);
    }

    [Fact]
    public void SymlinkLoopIsEloop()
    {
        var ex = Assert.Throws<SyscallException>(() => SecureJoin.Join(_root, "/loop1/x"));
        Assert.Equal(Errno.ELOOP, ex.Errno);
    }

    [Fact]
    public void RootWithTrailingSlashIsTheSame() =>
        Assert.Equal(_root + "/etc", SecureJoin.Join(_root + "/", "/abs"));

    [Theory]
    [InlineData("/etc/passwd", "/etc/passwd")]
    [InlineData("/up/etc/passwd", "/etc/passwd")]
    [InlineData("/abs/passwd", "/etc/passwd")]
    [InlineData("/var/lib/back/passwd", "/etc/passwd")]
    public void RootDirOpenStaysInside(string unsafePath, string expectedRel)
    {
        using var root = RootDir.Open(_root);
        using SafeFd fd = root.Open(unsafePath, Libc.O_PATH);
        Assert.Equal(_root + expectedRel, Libc.ReadLink("/proc/self/fd/" + fd.Fd));
        Assert.Equal(expectedRel, root.PathOf(fd));
    }

    [Fact]
    public void RootDirOpenOfMissingPathIsEnoent()
    {
        using var root = RootDir.Open(_root);
        Assert.Equal(Errno.ENOENT, root.TryOpen("/dangling", Libc.O_PATH, out _));
    }

    [Fact]
    public void RootDirPathOfOutsideIsRefused()
    {
        using var root = RootDir.Open(_root);
        using SafeFd outside = Libc.Open("/", Libc.O_PATH);
        var ex = Assert.Throws<Skiff.LibContainer.ContainerException>(() => root.PathOf(outside));
        Assert.Contains("is outside of rootfs", ex.Message);
    }

    [Fact]
    public void MkdirAllAndCreateFileStayInside()
    {
        using var root = RootDir.Open(_root);
        root.MkdirAll("/abs/a/b/c", 0x1ED).Dispose();
        Assert.True(Directory.Exists(Path.Join(_root, "etc/a/b/c")));
        root.MkdirAll("/abs/a/b/c", 0x1ED).Dispose(); // exists: fine

        root.CreateFile("/up/x/y/file", 0x1A4).Dispose();
        Assert.True(File.Exists(Path.Join(_root, "x/y/file")));

        var ex = Assert.Throws<SyscallException>(() => root.MkdirAll("/etc/passwd/sub", 0x1ED));
        Assert.Equal(Errno.ENOTDIR, ex.Errno);
    }

    [Fact]
    public void MkdirAllFollowsADanglingSymlinkInsideTheRoot()
    {
        using var root = RootDir.Open(_root);
        using SafeFd fd = root.MkdirAll("/dangling/sub", 0x1ED);
        Assert.True(Directory.Exists(Path.Join(_root, "nowhere/deep/sub")));
        Assert.Equal("/nowhere/deep/sub", root.PathOf(fd));
        Assert.False(Directory.Exists("/nowhere"));
    }

    [Fact]
    public void MkdirAllWithoutSymlinksRefusesOne()
    {
        using var root = RootDir.Open(_root);
        var ex = Assert.Throws<SyscallException>(() => root.MkdirAll("/abs/new", 0x1ED, followSymlinks: false));
        Assert.Equal(Errno.ELOOP, ex.Errno);
        Assert.False(Directory.Exists(Path.Join(_root, "etc/new")));
    }
}
