using System.Runtime.CompilerServices;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Processes;

public class ProcessWaitTests
{
    private static int SpawnSh(string script) =>
        Spawner.Spawn("/bin/sh", ["/bin/sh", "-c", script], [], [0, 1, 2]);

    [Theory]
    [InlineData(0x0000, 0)]
    [InlineData(0x0700, 7)]
    [InlineData(0x0009, 137)]
    [InlineData(0x0086, 134)] // SIGABRT with core dumped
    [InlineData(0x137f, -1)]  // stopped by SIGSTOP
    [InlineData(0xffff, -1)]  // continued
    public void ExitCodeFromWaitStatus(int status, int expected) => Assert.Equal(expected, Libc.ExitCode(status));

    [Fact]
    public void SigInfoIs128Bytes() => Assert.Equal(128, Unsafe.SizeOf<SigInfo>());

    [Fact]
    public void WaitsThroughPidfd()
    {
        int pid = SpawnSh("exit 3");
        using SafeFd pidfd = Libc.PidfdOpen(pid);
        Assert.Equal(3, Libc.WaitExit(pidfd));
        Assert.Equal(Errno.ECHILD, Check.Try(Libc.waitpid(pid, out _, Libc.WNOHANG))); // reaped
    }

    [Fact]
    public void WaitStatusReapsWithWaitpidEncoding()
    {
        using (SafeFd pidfd = Libc.PidfdOpen(SpawnSh("exit 3")))
        {
            Assert.Equal(0x0300, Libc.WaitStatus(pidfd, -1, out bool timedOut));
            Assert.False(timedOut);
        }
        using (SafeFd pidfd = Libc.PidfdOpen(SpawnSh("kill -TERM $$")))
            Assert.Equal(15, Libc.WaitStatus(pidfd, -1, out _));
    }

    [Fact]
    public void WaitStatusKillsAndReapsAChildThatOutlivesTheTimeout()
    {
        int pid = SpawnSh("exec sleep 100");
        using SafeFd pidfd = Libc.PidfdOpen(pid);
        Assert.Equal(9, Libc.WaitStatus(pidfd, 0, out bool timedOut));
        Assert.True(timedOut);
        Assert.Equal(Errno.ECHILD, Check.Try(Libc.waitpid(pid, out _, Libc.WNOHANG))); // reaped
    }

    [Fact]
    public void PidfdSendSignalKillsAndReportsEsrchAfterwards()
    {
        int pid = SpawnSh("sleep 100");
        using SafeFd pidfd = Libc.PidfdOpen(pid);
        Assert.Null(Libc.TryWaitExit(pid));
        Assert.Equal(Errno.OK, Libc.PidfdSendSignal(pidfd, 9));
        Assert.Equal(137, Libc.WaitExit(pid));
        Assert.Equal(Errno.ESRCH, Libc.PidfdSendSignal(pidfd, 9));
    }

    [Fact]
    public void PidfdGetfdDuplicatesAnotherProcessFd()
    {
        // Our own process: pidfd_getfd on ourselves needs only ptrace access to ourselves.
        using SafeFd self = Libc.PidfdOpen(Libc.getpid());
        var (r, w) = Libc.Pipe();
        using (r) using (w)
        {
            using SafeFd copy = Libc.PidfdGetfd(self, w.Fd);
            Libc.WriteAll(copy, "x"u8);
            Span<byte> b = stackalloc byte[1];
            Assert.Equal(1, Libc.Read(r, b));
            Assert.Equal((byte)'x', b[0]);
        }
    }

    [Fact]
    public void SubreaperFlagCanBeReadBack()
    {
        bool before = Libc.IsChildSubreaper();
        try
        {
            Libc.SetChildSubreaper(true);
            Assert.True(Libc.IsChildSubreaper());
        }
        finally
        {
            Libc.SetChildSubreaper(before);
        }
    }
}
