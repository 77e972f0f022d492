using Skiff.LibContainer.Wire;
using System.Runtime.CompilerServices;
using System.Text;
using Skiff.LibContainer;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public sealed class SocketTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-sock-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(Libc.SOCK_STREAM)]
    [InlineData(Libc.SOCK_SEQPACKET)]
    public void SocketPair_IsCloexecAndConnected(int type)
    {
        var (a, b) = Libc.SocketPair(type);
        using (a)
        using (b)
        {
            Assert.NotEqual(0, Libc.fcntl(a.Fd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
            Assert.NotEqual(0, Libc.fcntl(b.Fd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
            Libc.WriteAll(a, "ping"u8);
            Span<byte> buf = stackalloc byte[16];
            Assert.Equal(4, Libc.Read(b, buf));
            Assert.True(buf[..4].SequenceEqual("ping"u8));
        }
    }

    [Fact]
    public void SendWithFds_ReceivedFdIsTheSameFile()
    {
        string path = Path.Combine(_dir, "f");
        File.WriteAllText(path, "x");
        var (a, b) = Libc.SocketPair(Libc.SOCK_SEQPACKET);
        using (a)
        using (b)
        using (SafeFd f1 = Libc.Open(path, Libc.O_RDONLY))
        using (SafeFd f2 = Libc.Open("/dev/null", Libc.O_RDONLY))
        {
            Assert.Equal(5, Libc.SendWithFds(a, "hello"u8, [f1.Fd, f2.Fd]));
            byte[] buf = new byte[64];
            Span<int> fds = stackalloc int[4];
            int n = Libc.RecvWithFds(b, buf, fds, out int count, out int flags);
            Assert.Equal("hello", Encoding.UTF8.GetString(buf, 0, n));
            Assert.Equal(2, count);
            Assert.Equal(0, flags & Libc.MSG_CTRUNC);
            using var r1 = new SafeFd(fds[0]);
            using var r2 = new SafeFd(fds[1]);
            Assert.NotEqual(f1.Fd, r1.Fd);
            Assert.Equal(Libc.FstatIds(f1.Fd).Ino, Libc.FstatIds(r1.Fd).Ino);
            Assert.Equal(Libc.FstatIds(f1.Fd).Dev, Libc.FstatIds(r1.Fd).Dev);
            Assert.Equal(Libc.FstatIds(f2.Fd).Rdev, Libc.FstatIds(r2.Fd).Rdev);
            Assert.NotEqual(0, Libc.fcntl(r1.Fd, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC); // MSG_CMSG_CLOEXEC
        }
    }

    [Fact]
    public void RecvWithFds_MoreFdsThanRoom_ClosesExtrasAndSetsCtrunc()
    {
        var (a, b) = Libc.SocketPair(Libc.SOCK_SEQPACKET);
        using (a)
        using (b)
        {
            Libc.SendWithFds(a, "x"u8, [0, 1, 2]);
            Span<int> fds = stackalloc int[1];
            Libc.RecvWithFds(b, new byte[8], fds, out int count, out int flags);
            Assert.Equal(1, count);
            Assert.NotEqual(0, flags & Libc.MSG_CTRUNC);
            Libc.close(fds[0]);
        }
    }

    [Fact]
    public void ConsoleSocket_SendReceive_RoundTripsFdAndName()
    {
        string path = Path.Combine(_dir, "g");
        File.WriteAllText(path, "y");
        var (a, b) = Libc.SocketPair(Libc.SOCK_STREAM);
        using (a)
        using (b)
        using (SafeFd f = Libc.Open(path, Libc.O_RDONLY))
        {
            ConsoleSocket.SendFd(a, f, "/dev/pts/42");
            using SafeFd got = ConsoleSocket.ReceiveFd(b, out string name);
            Assert.Equal("/dev/pts/42", name);
            Assert.Equal(Libc.FstatIds(f.Fd).Ino, Libc.FstatIds(got.Fd).Ino);
        }
    }

    [Fact]
    public void ConsoleSocket_ReceiveWithoutFd_IsAnError()
    {
        var (a, b) = Libc.SocketPair(Libc.SOCK_STREAM);
        using (a)
        using (b)
        {
            Libc.WriteAll(a, "/dev/pts/1"u8);
            var ex = Assert.Throws<ContainerException>(() => ConsoleSocket.ReceiveFd(b, out _));
            Assert.StartsWith("recvfile: incorrect number of bytes read", ex.Message);
        }
    }

    [Fact]
    public void ConsoleSocket_ConnectOverUnixPath_AndReceive()
    {
        string sockPath = Path.Combine(_dir, "console.sock");
        using SafeFd listener = Libc.ListenUnix(sockPath);
        using SafeFd client = ConsoleSocket.Connect(sockPath);
        using SafeFd server = Libc.Accept(listener);
        using (SafeFd f = Libc.Open("/dev/null", Libc.O_RDWR))
            ConsoleSocket.SendFd(client, f, "/dev/pts/0");
        using SafeFd got = ConsoleSocket.ReceiveFd(server, out string name);
        Assert.Equal("/dev/pts/0", name);
        Assert.Equal(Libc.StatIds("/dev/null").Rdev, Libc.FstatIds(got.Fd).Rdev);
    }

    [Fact]
    public void ConsoleSocket_ConnectMissing_ReadsAsGoDial()
    {
        string sockPath = Path.Combine(_dir, "missing.sock");
        var ex = Assert.Throws<ContainerException>(() => ConsoleSocket.Connect(sockPath));
        Assert.Equal($"dial unix {sockPath}: connect: no such file or directory", ErrorText.Render(ex));
        Assert.True(ex.Has(Errno.ENOENT));
    }

    [Fact]
    public void Shutdown_GivesPeerEof()
    {
        var (a, b) = Libc.SocketPair(Libc.SOCK_STREAM);
        using (a)
        using (b)
        {
            Libc.Shutdown(a, Libc.SHUT_WR);
            Assert.Equal(0, Libc.Read(b, new byte[4]));
        }
    }

    [Fact]
    public void StructSizes_MatchGlibcX64()
    {
        Assert.Equal(56, Unsafe.SizeOf<Libc.MsgHdr>());
        Assert.Equal(16, Unsafe.SizeOf<Libc.CmsgHdr>());
        Assert.Equal(16, Unsafe.SizeOf<Libc.IoVec>());
        Assert.Equal(60, Unsafe.SizeOf<Termios>());
        Assert.Equal(8, Unsafe.SizeOf<WinSize>());
        Assert.Equal(16, Unsafe.SizeOf<Rlimit>());
        Assert.Equal(24, Libc.CmsgSpace(4));     // one fd
        Assert.Equal(20, Libc.CmsgLen(4));
        Assert.Equal(32, Libc.CmsgSpace(12));    // three fds
    }
}
