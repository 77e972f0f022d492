using Skiff.LibContainer.Init;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Init;

public sealed class ExecLookupTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("skiff-lookpath-").FullName;

    public ExecLookupTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "bin"));
        Directory.CreateDirectory(Path.Combine(_root, "sbin"));
        Directory.CreateDirectory(Path.Combine(_root, "bin", "adir"));
        MakeFile("bin/tool", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        MakeFile("sbin/tool", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        MakeFile("sbin/only-sbin", UnixFileMode.UserRead | UnixFileMode.OtherExecute);
        MakeFile("bin/plain", UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void MakeFile(string rel, UnixFileMode mode)
    {
        string p = Path.Combine(_root, rel);
        File.WriteAllText(p, "#!/bin/sh\n");
        Assert.Equal(0, Libc.chmod(p, (uint)mode));
    }

    private string[] Env(params string[] dirs) => ["A=1", "PATH=" + string.Join(':', dirs), "B=2"];

    [Fact]
    public void Relative_SearchesPathInOrder()
    {
        string bin = Path.Combine(_root, "bin"), sbin = Path.Combine(_root, "sbin");
        Assert.Equal(bin + "/tool", ExecLookup.Find("tool", Env(bin, sbin)));
        Assert.Equal(sbin + "/tool", ExecLookup.Find("tool", Env(sbin, bin)));
        Assert.Equal(sbin + "/only-sbin", ExecLookup.Find("only-sbin", Env(bin, sbin)));
        Assert.Equal(bin + "/tool", ExecLookup.Find("tool", Env(bin + "/", sbin))); // joined and cleaned
        Assert.Equal(bin + "/tool", ExecLookup.Find("tool", Env(_root + "/sbin/../bin")));
    }

    [Fact]
    public void NotFound_HasGoText()
    {
        var ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find("nosuch", Env(Path.Combine(_root, "bin"))));
        Assert.Equal("exec: \"nosuch\": executable file not found in $PATH", ex.Message);
        Assert.True(ex.NotFound);
    }

    [Fact]
    public void NonExecutableOrDirectoryInPath_IsSkipped()
    {
        string bin = Path.Combine(_root, "bin");
        var ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find("plain", Env(bin)));
        Assert.Equal("exec: \"plain\": executable file not found in $PATH", ex.Message);
        ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find("adir", Env(bin)));
        Assert.Equal("exec: \"adir\": executable file not found in $PATH", ex.Message);
    }

    [Fact]
    public void PathMissingOrEmpty_SearchesNothing()
    {
        // Go's LookPath has no built-in default PATH: runc 1.1.5 with env ["X=1"] fails `sh` this way.
        var ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find("sh", ["X=1"]));
        Assert.Equal("exec: \"sh\": executable file not found in $PATH", ex.Message);
        Assert.Throws<ExecLookupException>(() => ExecLookup.Find("sh", ["PATH="]));
    }

    [Fact]
    public void LastPathEntryWins()
    {
        string bin = Path.Combine(_root, "bin");
        Assert.Equal(bin + "/tool", ExecLookup.Find("tool", ["PATH=/nonexistent", "PATH=" + bin]));
    }

    [Fact]
    public void Absolute_ReturnedAsIs()
    {
        string tool = Path.Combine(_root, "bin", "tool");
        Assert.Equal(tool, ExecLookup.Find(tool, []));
    }

    [Fact]
    public void Absolute_DirectoryOrNonExec_IsPermissionDenied()
    {
        string dir = Path.Combine(_root, "bin");
        var ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find(dir, Env(dir)));
        Assert.Equal($"exec: \"{dir}\": permission denied", ex.Message);
        Assert.False(ex.NotFound);
        string plain = Path.Combine(_root, "bin", "plain");
        ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find(plain, Env(dir)));
        Assert.Equal($"exec: \"{plain}\": permission denied", ex.Message);
    }

    [Fact]
    public void Absolute_Missing_IsStatError()
    {
        string p = Path.Combine(_root, "nope");
        var ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find(p, []));
        Assert.Equal($"exec: \"{p}\": stat {p}: no such file or directory", ex.Message);
    }

    [Fact]
    public void RelativePathEntry_IsErrDot()
    {
        string rel = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_root, "bin"));
        Assert.False(rel.StartsWith('/'));
        var ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find("tool", ["PATH=" + rel]));
        Assert.Equal("exec: \"tool\": cannot run executable found relative to current directory", ex.Message);
    }

    [Fact]
    public void NameWithSlash_RelativeToCwd_IsNotSearched()
    {
        string rel = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_root, "bin", "tool"));
        Assert.Equal(rel, ExecLookup.Find(rel, []));
    }

    [Theory]
    [InlineData("/bin/", "sh", "/bin/sh")]
    [InlineData(".", "sh", "sh")]
    [InlineData("a/./b//c/..", "sh", "a/b/sh")]
    [InlineData("/../bin", "sh", "/bin/sh")]
    [InlineData("../x", "sh", "../x/sh")]
    public void Join_CleansAsGo(string dir, string file, string expected)
    {
        Assert.Equal(expected, ExecLookup.Join(dir, file));
    }

    [Fact]
    public void EmptyPathEntry_MeansDot()
    {
        // "" → "." → a relative hit, refused with ErrDot only if the file exists in the cwd; otherwise not found.
        var ex = Assert.Throws<ExecLookupException>(() => ExecLookup.Find("surely-not-here-xyz", ["PATH=:"]));
        Assert.True(ex.NotFound);
    }
}
