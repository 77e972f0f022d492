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
    public void OpenInRootStaysInside(string unsafePath, string expectedRel)
    {
        using SafeFd fd = SecureJoin.OpenInRoot(_root, unsafePath);
        Assert.Equal(_root + expectedRel, Libc.ReadLink("/proc/self/fd/" + fd.Fd));
    }

    [Fact]
    public void OpenInRootAcceptsPathsUnderTheRoot()
    {
        using SafeFd fd = SecureJoin.OpenInRoot(_root, _root + "/abs/passwd");
        Assert.Equal(_root + "/etc/passwd", Libc.ReadLink("/proc/self/fd/" + fd.Fd));
    }

    [Fact]
    public void OpenInRootOfMissingPathIsEnoent()
    {
        var ex = Assert.Throws<SyscallException>(() => SecureJoin.OpenInRoot(_root, "/dangling"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
    }

    [Fact]
    public void StripRoot()
    {
        Assert.Equal("/proc", SecureJoin.StripRoot("/r/fs", "/r/fs/proc"));
        Assert.Equal("/", SecureJoin.StripRoot("/r/fs", "/r/fs"));
        Assert.Equal("/r/fsx", SecureJoin.StripRoot("/r/fs", "/r/fsx"));
        Assert.Equal("/proc", SecureJoin.StripRoot("/r/fs", "proc"));
    }

    [Fact]
    public void MkdirAllAndCreateIfNotExists()
    {
        string dir = SecureJoin.Join(_root, "/abs/a/b/c");
        SecureJoin.MkdirAll(dir, 0x1ED);
        Assert.True(Directory.Exists(Path.Join(_root, "etc/a/b/c")));
        SecureJoin.MkdirAll(dir, 0x1ED); // exists: fine

        string file = SecureJoin.Join(_root, "/up/x/y/file");
        SecureJoin.CreateIfNotExists(file, isDir: false);
        Assert.True(File.Exists(Path.Join(_root, "x/y/file")));

        var ex = Assert.Throws<SyscallException>(() => SecureJoin.MkdirAll(Path.Join(_root, "etc/passwd/sub"), 0x1ED));
        Assert.Equal(Errno.ENOTDIR, ex.Errno);
    }
}
