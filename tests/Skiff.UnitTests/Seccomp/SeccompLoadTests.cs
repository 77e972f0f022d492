using Skiff.LibContainer.Seccomp;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;
using static Skiff.UnitTests.Seccomp.SeccompFilterTests;

namespace Skiff.UnitTests.Seccomp;

/// <summary>
/// Loads real filters, each on a thread of its own: without TSYNC a filter binds only the loading thread, and it
/// goes away with that thread. Loading without no_new_privs needs CAP_SYS_ADMIN, so these run only as root.
/// </summary>
public sealed class SeccompLoadTests : IDisposable
{
    private const int PR_GET_NO_NEW_PRIVS = 39;
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-seccomp-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static bool IsRoot => Libc.geteuid() == 0;

    private static T OnFilteredThread<T>(LinuxSeccomp profile, Func<int, T> afterLoad)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using SeccompProgram program = SeccompFilter.Compile(profile)!;
                result = afterLoad(program.Load());
            }
            catch (Exception e) { error = e; }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new Xunit.Sdk.XunitException(error.ToString());
        return result;
    }

    [Fact]
    public void LoadedFilterDeniesMkdirOnItsThreadOnly()
    {
        if (!IsRoot) return;
        string denied = Path.Combine(_dir, "denied"), allowed = Path.Combine(_dir, "allowed");
        var profile = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir"), Call("SCMP_ACT_ERRNO", "mkdirat", errnoRet: 1));

        (int fd, int rc, Errno errno, int nnp) = OnFilteredThread(profile, fd =>
        {
            int rc = Libc.mkdir(denied, 0x1ed);
            Errno errno = Check.LastErrno;
            int nnp = Libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
            return (fd, rc, errno, nnp);
        });

        Assert.Equal(-1, fd); // no notify rule, no listener
        Assert.Equal(-1, rc);
        Assert.Equal(Errno.EPERM, errno);
        Assert.Equal(0, nnp); // SCMP_FLTATR_CTL_NNP is off: no_new_privs is the runtime's decision
        Assert.False(Directory.Exists(denied));

        Assert.Equal(0, Libc.mkdir(allowed, 0x1ed)); // this thread has no filter
        Assert.True(Directory.Exists(allowed));
    }

    [Fact]
    public void ErrnoRetIsWhatTheSyscallReturns()
    {
        if (!IsRoot) return;
        var profile = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir", errnoRet: 122), Call("SCMP_ACT_ERRNO", "mkdirat", errnoRet: 122));
        Errno errno = OnFilteredThread(profile, _ => Libc.mkdir(Path.Combine(_dir, "x"), 0x1ed) < 0 ? Check.LastErrno : Errno.OK);
        Assert.Equal(Errno.EDQUOT, errno);
    }

    [Fact]
    public void NotifyRuleGivesAListenerFd()
    {
        if (!IsRoot) return;
        var profile = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_NOTIFY", "mkdir"), Call("SCMP_ACT_NOTIFY", "mkdirat"));
        (int fd, int cloexec, Errno afterClose) = OnFilteredThread(profile, fd =>
        {
            int flags = Libc.fcntl(fd, Libc.F_GETFD, 0);
            Libc.close(fd);
            // With no listener left the kernel fails notified syscalls with ENOSYS (instead of blocking forever).
            Errno e = Libc.mkdir(Path.Combine(_dir, "n"), 0x1ed) < 0 ? Check.LastErrno : Errno.OK;
            return (fd, flags & Libc.FD_CLOEXEC, e);
        });
        Assert.True(fd > 2);
        Assert.Equal(Libc.FD_CLOEXEC, cloexec);
        Assert.Equal(Errno.ENOSYS, afterClose);
    }
}
