using Skiff.LibContainer.ProcessAttributes;
using Xunit;

namespace Skiff.UnitTests.ProcessAttributes;

public sealed class IdentityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-identity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void HomeFromPasswd_FirstMatchingUid()
    {
        string passwd = Path.Combine(_dir, "passwd");
        File.WriteAllText(passwd,
            "root:x:0:0:root:/root:/bin/sh\n\n  u1:x:1000:1000::/home/u1:/bin/sh  \nu1b:x:1000:1000::/home/other:/bin/sh\nshort:x:7\n");
        Assert.Equal("/root", Identity.HomeFromPasswd(passwd, 0));
        Assert.Equal("/home/u1", Identity.HomeFromPasswd(passwd, 1000));
        Assert.Equal("", Identity.HomeFromPasswd(passwd, 7));
        Assert.Null(Identity.HomeFromPasswd(passwd, 1001));
        Assert.Null(Identity.HomeFromPasswd(Path.Combine(_dir, "missing"), 0));
    }

    [Fact]
    public void HomeFromPasswd_OddLinesFollowGosRules()
    {
        string passwd = Path.Combine(_dir, "passwd");
        // a signed uid parses (Go's Atoi takes the sign); "x" is uid 0 for Go; a no-break space after the uid of a
        // three-field line is trimmed with the line (Go's bytes.TrimSpace)
        File.WriteAllText(passwd, "b:x:+8:8::/eight\nc:x:x:0::/zero\nd:x:9\u00a0\n");
        Assert.Equal("/eight", Identity.HomeFromPasswd(passwd, 8));
        Assert.Equal("/zero", Identity.HomeFromPasswd(passwd, 0));
        Assert.Equal("", Identity.HomeFromPasswd(passwd, 9));
    }

    [Fact]
    public void HomeFromPasswd_AllocatesNothingForLinesOfOtherUids()
    {
        string passwd = Path.Combine(_dir, "passwd");
        File.WriteAllText(passwd, string.Concat(Enumerable.Range(1000, 20_000).Select(i => $"u{i}:x:{i}:{i}::/home/u{i}:/bin/sh\n")) +
            "root:x:0:0:root:/root:/bin/sh\n");
        Identity.HomeFromPasswd(passwd, 0); // warm up
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal("/root", Identity.HomeFromPasswd(passwd, 0));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // 20,000 other lines of about 40 bytes: decoded and split, they made well over 2 MB; now the buffer, the
        // handle and the one matching line
        Assert.True(allocated < 64 << 10, $"{allocated} bytes allocated");
    }

    [Fact]
    public void HomeFromPasswd_ReadsInBoundedMemory()
    {
        string passwd = Path.Combine(_dir, "passwd");
        string line(int gecos) => $"u:x:5:5:{new string('g', gecos)}:/home/u:/bin/sh\n";
        // a line just within runc's (bufio.Scanner's) 64 KiB, after enough lines to refill the buffer many times
        File.WriteAllText(passwd, string.Concat(Enumerable.Repeat(line(100), 2000)) + line(Identity.MaxPasswdLine - 40) +
            "root:x:0:0:root:/root:/bin/sh");
        Assert.Equal("/root", Identity.HomeFromPasswd(passwd, 0));
        Assert.Equal("/home/u", Identity.HomeFromPasswd(passwd, 5));

        File.WriteAllText(passwd, "root:x:0:0:root:/root:/bin/sh\n" + line(Identity.MaxPasswdLine));
        var ex = Assert.Throws<Skiff.LibContainer.ContainerException>(() => Identity.HomeFromPasswd(passwd, 0));
        Assert.Equal($"unable to find user 0: {passwd}: a line is longer than {Identity.MaxPasswdLine} bytes", ex.Message);
    }

    [Fact]
    public void HomeFromPasswd_StopsAtItsCapOnAFileThatNeverEnds()
    {
        // short lines forever (about one newline in 256 random bytes): only the total cap ends it
        var ex = Assert.Throws<Skiff.LibContainer.ContainerException>(() => Identity.HomeFromPasswd("/dev/urandom", 0));
        Assert.Equal($"unable to find user 0: /dev/urandom: longer than {Identity.MaxPasswdBytes >> 20} MiB", ex.Message);
    }

    [Fact]
    public void HomeFromPasswd_AFifoReadsAsEmptyWithoutWaitingForAWriter()
    {
        string fifo = Path.Combine(_dir, "fifo");
        Assert.Equal(0, mkfifo(fifo, 0x1a4));
        Assert.Null(Identity.HomeFromPasswd(fifo, 0));
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int mkfifo(string path, uint mode);

    [Fact]
    public void IsDevNull_IsTheNullDeviceByItsOwnNumbersOnly()
    {
        using var nul = File.OpenHandle("/dev/null");
        using var zero = File.OpenHandle("/dev/zero");
        string file = Path.Combine(_dir, "null");
        File.WriteAllText(file, "");
        using var f = File.OpenHandle(file);
        Assert.True(Skiff.Linux.Libc.FstatIds((int)nul.DangerousGetHandle()).IsDevNull);
        Assert.False(Skiff.Linux.Libc.FstatIds((int)zero.DangerousGetHandle()).IsDevNull);
        Assert.False(Skiff.Linux.Libc.FstatIds((int)f.DangerousGetHandle()).IsDevNull);
    }

    [Fact]
    public void Env_GetUsesLastEntry_SetReplacesInPlaceOrAppends()
    {
        var env = new List<string> { "PATH=/bin", "HOME=", "HOMEX=1", "HOME=/x" };
        Assert.Equal("/x", Identity.GetEnv(env, "HOME"));
        Identity.SetEnv(env, "HOME", "/root");
        Assert.Equal(["PATH=/bin", "HOME=/root", "HOMEX=1", "HOME=/root"], env);
        Identity.SetEnv(env, "TERM", "xterm");
        Assert.Equal("TERM=xterm", env[^1]);
        Assert.Null(Identity.GetEnv(env, "HOM"));
    }
}
