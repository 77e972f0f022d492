using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public class ExecTests
{
    [Fact]
    public void MarkCloexecFrom_MarksOnlyFdsAtOrAbove() => AssertMarksOnlyHigh(900, minFd => Libc.MarkCloexecFrom(minFd));

    [Fact]
    public void MarkCloexecListed_MarksTheListedFdsAtOrAbove() => AssertMarksOnlyHigh(902, minFd =>
    {
        using SafeFd dir = Libc.Open("/proc/self/fd", Libc.O_RDONLY | Libc.O_DIRECTORY);
        Libc.MarkCloexecListed(dir, minFd);
    });

    /// <summary>Two non-cloexec fds high up (where nothing else of the test host lives), <paramref name="low"/> and
    /// the next: <paramref name="mark"/> from the second on leaves the first alone.</summary>
    private static void AssertMarksOnlyHigh(int low, Action<int> mark)
    {
        using SafeFd src = Libc.Open("/dev/null", Libc.O_RDONLY);
        int high = low + 1;
        Check.Rc(Libc.dup3(src.Fd, low, 0), "dup3");
        Check.Rc(Libc.dup3(src.Fd, high, 0), "dup3");
        try
        {
            mark(high);
            Assert.Equal(0, Libc.fcntl(low, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
            Assert.NotEqual(0, Libc.fcntl(high, Libc.F_GETFD, 0) & Libc.FD_CLOEXEC);
        }
        finally
        {
            Libc.close(low);
            Libc.close(high);
        }
    }

    [Fact]
    public void UnblockAllSignals_OnAThread_ClearsItsMask()
    {
        ulong mask = TestThread.Run(() =>
        {
            BlockSigusr1();
            Assert.NotEqual(0UL, Libc.GetSignalMask() & (1UL << 9)); // SIGUSR1 = 10
            Libc.UnblockAllSignals();
            return Libc.GetSignalMask();
        });
        Assert.Equal(0UL, mask);
    }

    private static void BlockSigusr1() => Libc.ChangeSignalMask(Libc.SIG_BLOCK, 1UL << 9);

    [Fact]
    public void DotnetIgnoresSigpipe_WhichIsWhyFinalExecResetsIt()
    {
        // Documents the runtime behaviour FinalExec.Exec undoes (resetting it here would hurt the test host).
        Assert.True(Libc.IsSignalIgnored(13));
        Assert.False(Libc.IsSignalIgnored(15));
    }

    [Fact]
    public void Execve_Failure_ThrowsExecPathError()
    {
        var ex = Assert.Throws<SyscallException>(() => Libc.Execve("/nonexistent/skiff-x", ["x"], []));
        Assert.Equal("exec /nonexistent/skiff-x: no such file or directory", ex.Message);
        ex = Assert.Throws<SyscallException>(() => Libc.Execve("/etc", ["x"], []));
        Assert.Equal("exec /etc: permission denied", ex.Message);
        ex = Assert.Throws<SyscallException>(() => Libc.Execve("/bin/true", ["a\0b"], []));
        Assert.Equal(Errno.EINVAL, ex.Errno);
    }
}
