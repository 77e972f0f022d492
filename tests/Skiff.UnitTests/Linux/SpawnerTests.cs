using System.Runtime.InteropServices;
using System.Text;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public class SpawnerTests
{
    private static readonly string[] NoEnv = [];

    private static string ReadToEnd(SafeFd fd)
    {
        var ms = new MemoryStream();
        var buf = new byte[4096];
        int n;
        while ((n = Libc.Read(fd, buf)) > 0) ms.Write(buf, 0, n);
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Runs argv with stdout on a pipe (stdin/stderr /dev/null); returns (exit code, stdout).</summary>
    private static (int Code, string Out) Run(string[] argv, string[]? env = null, int[]? extra = null)
    {
        using SafeFd devnull = Libc.Open("/dev/null", Libc.O_RDWR);
        var (r, w) = Libc.Pipe();
        using (r)
        {
            int pid;
            using (w)
            {
                int[] map = [devnull.Fd, w.Fd, devnull.Fd, .. extra ?? []];
                pid = Spawner.Spawn(argv[0], argv, env ?? NoEnv, map);
            }
            string output = ReadToEnd(r);
            return (Libc.WaitExit(pid), output);
        }
    }

    [Fact]
    public void ReturnsExitCodeAndSignalInShellConvention()
    {
        Assert.Equal(7, Run(["/bin/sh", "-c", "exit 7"]).Code);
        Assert.Equal(128 + 15, Run(["/bin/sh", "-c", "kill -TERM $$"]).Code);
    }

    [Fact]
    public void PassesArgvAndEnvironmentVerbatim()
    {
        var (code, output) = Run(["/bin/sh", "-c", "printf '%s|%s|%s' \"$0\" \"$1\" \"$FOO\"", "zero", "é ü"],
            ["FOO=bar baz", "PATH=/usr/bin:/bin"]);
        Assert.Equal(0, code);
        Assert.Equal("zero|é ü|bar baz", output);
    }

    [Fact]
    public void ChildFdTableIsExactlyTheMap()
    {
        // ls opens /proc/self/fd as fd 3 to list it; nothing else may be open.
        var (code, output) = Run(["/bin/ls", "-1", "/proc/self/fd"]);
        Assert.Equal(0, code);
        Assert.Equal("0\n1\n2\n3\n", output);
    }

    [Fact]
    public void SwappedSourceAndTargetFdsLandCorrectly()
    {
        var (ar, aw) = Libc.Pipe();
        var (br, bw) = Libc.Pipe();
        using (ar) using (br)
        {
            using SafeFd devnull = Libc.Open("/dev/null", Libc.O_RDWR);
            int lo = Math.Min(aw.Fd, bw.Fd), hi = Math.Max(aw.Fd, bw.Fd);
            var map = Enumerable.Repeat(devnull.Fd, hi + 1).ToArray();
            // Target lo gets the fd that sits at hi and vice versa: each source is the other's target.
            map[lo] = hi;
            map[hi] = lo;
            // bash: dash only redirects single-digit fds.
            int pid = Spawner.Spawn("/bin/bash", ["/bin/bash", "-c", $"echo to-lo >&{lo}; echo to-hi >&{hi}"], NoEnv, map);
            aw.Dispose();
            bw.Dispose();
            string fromA = ReadToEnd(ar), fromB = ReadToEnd(br);
            Assert.Equal(0, Libc.WaitExit(pid));
            // aw's number is lo or hi; whatever it was, its pipe got what was written to the other number.
            bool aWasLo = fromA == "to-hi\n";
            Assert.Equal(aWasLo ? "to-hi\n" : "to-lo\n", fromA);
            Assert.Equal(aWasLo ? "to-lo\n" : "to-hi\n", fromB);
        }
    }

    [Fact]
    public void SignalMaskIsEmptyAndNothingIsIgnored()
    {
        // The .NET runtime ignores SIGPIPE; the child must not inherit that.
        var (code, output) = Run(["/bin/grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"]);
        Assert.Equal(0, code);
        Assert.Equal("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", output);
    }

    [Fact]
    public void MissingExecutableThrowsWithPath()
    {
        var ex = Assert.Throws<SyscallException>(() => Spawner.Spawn("/nonexistent/bin", ["x"], NoEnv, [0, 1, 2]));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Equal("posix_spawn /nonexistent/bin: no such file or directory", ex.Message);
    }

    [Fact]
    public void NativeStringArrayIsNullTerminated()
    {
        nint block = Spawner.NativeStringArray(["a", "bc"]);
        try
        {
            Assert.Equal("a", Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(block, 0)));
            Assert.Equal("bc", Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(block, IntPtr.Size)));
            Assert.Equal(0, Marshal.ReadIntPtr(block, 2 * IntPtr.Size));
        }
        finally
        {
            Marshal.FreeHGlobal(block);
        }
    }
}
