using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>The SIGCHLD part of siginfo_t (x86_64, 128 bytes), as filled by waitid(2).</summary>
[StructLayout(LayoutKind.Sequential, Size = 128)]
public struct SigInfo
{
    public int Signo;
    public int Errno;
    public int Code;
    private int _pad;
    public int Pid;
    public uint Uid;
    /// <summary>Exit code for CLD_EXITED, the signal for CLD_KILLED/CLD_DUMPED/CLD_STOPPED.</summary>
    public int Status;

    /// <summary>This result in waitpid(2)'s status encoding (exit code &lt;&lt; 8, or the signal | 0x80 if it dumped core).</summary>
    public readonly int ToWaitStatus() => Code switch
    {
        Libc.CLD_EXITED => (Status & 0xff) << 8,
        Libc.CLD_KILLED => Status & 0x7f,
        Libc.CLD_DUMPED => (Status & 0x7f) | 0x80,
        _ => 0xffff,
    };
}

/// <summary>Waiting for and signalling processes: waitpid, waitid (incl. P_PIDFD), pidfds, prctl helpers.</summary>
public static unsafe partial class Libc
{
    public const int WNOHANG = 1, WUNTRACED = 2, WSTOPPED = 2, WEXITED = 4, WCONTINUED = 8, WNOWAIT = 0x01000000,
        __WALL = 0x40000000;
    public const int P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;
    public const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3, CLD_TRAPPED = 4, CLD_STOPPED = 5,
        CLD_CONTINUED = 6;
    public const int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_SET_NAME = 15, PR_GET_NAME = 16,
        PR_SET_CHILD_SUBREAPER = 36, PR_GET_CHILD_SUBREAPER = 37, PR_SET_DUMPABLE = 4;
    /// <summary>x86_64 syscall numbers (glibc 2.36 wraps these, but older ones do not).</summary>
    public const long SYS_pidfd_send_signal = 424, SYS_pidfd_open = 434, SYS_pidfd_getfd = 438;
    public const int PIDFD_NONBLOCK = O_NONBLOCK;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitpid(int pid, out int status, int options);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitid(int idtype, int id, out SigInfo info, int options);

    public static int pidfd_open(int pid, int flags) => (int)syscall(SYS_pidfd_open, pid, flags, 0, 0, 0, 0);

    public static int pidfd_send_signal(int pidfd, int sig) =>
        (int)syscall(SYS_pidfd_send_signal, pidfd, sig, 0, 0, 0, 0);

    public static int pidfd_getfd(int pidfd, int targetfd) =>
        (int)syscall(SYS_pidfd_getfd, pidfd, targetfd, 0, 0, 0, 0);

    // ---- helpers -------------------------------------------------------------------------------

    /// <summary>A wait status in shell convention: the exit code, or 128 + signal; -1 if neither.</summary>
    public static int ExitCode(int status)
    {
        int sig = status & 0x7f;
        if (sig == 0) return (status >> 8) & 0xff; // WIFEXITED
        if (sig != 0x7f) return 128 + sig;        // WIFSIGNALED
        return -1;                                // stopped or continued
    }

    /// <summary>A waitid result in shell convention: the exit code, or 128 + signal; -1 if neither.</summary>
    public static int ExitCode(in SigInfo info) => info.Code switch
    {
        CLD_EXITED => info.Status,
        CLD_KILLED or CLD_DUMPED => 128 + info.Status,
        _ => -1,
    };

    /// <summary>Waits for <paramref name="pid"/> to exit (EINTR retried) and reaps it; exit code or 128+signal.</summary>
    public static int WaitExit(int pid)
    {
        while (true)
        {
            int rc = waitpid(pid, out int status, 0);
            if (rc >= 0) return ExitCode(status);
            if (Check.LastErrno != Errno.EINTR) Check.Throw("waitpid", Check.LastErrno, pid.ToString());
        }
    }

    /// <summary>
    /// As a subreaper (`run` in the foreground): reaps every child, reparented orphans included, until
    /// <paramref name="pid"/> exits; its exit code or 128+signal.
    /// </summary>
    public static int ReapUntilExit(int pid)
    {
        while (true)
        {
            int rc = waitpid(-1, out int status, 0);
            if (rc == pid) return ExitCode(status);
            if (rc > 0) continue;
            if (Check.LastErrno != Errno.EINTR) Check.Throw("waitpid", Check.LastErrno, pid.ToString());
        }
    }

    /// <summary>Reaps <paramref name="pid"/> if it has exited; null while it runs.</summary>
    public static int? TryWaitExit(int pid)
    {
        while (true)
        {
            int rc = waitpid(pid, out int status, WNOHANG);
            if (rc > 0) return ExitCode(status);
            if (rc == 0) return null;
            if (Check.LastErrno != Errno.EINTR) Check.Throw("waitpid", Check.LastErrno, pid.ToString());
        }
    }

    /// <summary>Waits for the process behind <paramref name="pidfd"/> to exit and reaps it (waitid P_PIDFD).</summary>
    public static int WaitExit(SafeFd pidfd, int options = WEXITED) => ExitCode(WaitId(pidfd, options));

    private static SigInfo WaitId(SafeFd pidfd, int options)
    {
        while (true)
        {
            int rc = waitid(P_PIDFD, pidfd.Fd, out SigInfo info, options);
            if (rc >= 0) return info;
            if (Check.LastErrno != Errno.EINTR) Check.Throw("waitid", Check.LastErrno);
        }
    }

    /// <summary>
    /// Waits for the child behind <paramref name="pidfd"/> to exit, at most <paramref name="timeoutMs"/> ms (-1: no
    /// limit): poll(2) on the pidfd, which turns readable when the child exits. When the time runs out the child is
    /// SIGKILLed and <paramref name="timedOut"/> set. Either way the child is reaped (waitid P_PIDFD) and its wait
    /// status returned in waitpid(2)'s encoding.
    /// </summary>
    public static int WaitStatus(SafeFd pidfd, int timeoutMs, out bool timedOut)
    {
        timedOut = false;
        if (timeoutMs >= 0)
        {
            long deadline = Environment.TickCount64 + timeoutMs;
            PollFd p = new() { Fd = pidfd.Fd, Events = POLLIN };
            while (true)
            {
                int left = (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);
                int rc = poll(&p, 1, left);
                if (rc > 0) break;
                if (rc == 0) { timedOut = true; PidfdSendSignal(pidfd, 9); break; }
                if (Check.LastErrno != Errno.EINTR) Check.Throw("poll", Check.LastErrno);
            }
        }
        return WaitId(pidfd, WEXITED).ToWaitStatus();
    }

    /// <summary>A pidfd for <paramref name="pid"/> (close-on-exec, as the kernel always makes them).</summary>
    public static SafeFd PidfdOpen(int pid, int flags = 0) =>
        Check.Fd(pidfd_open(pid, flags), "pidfd_open", pid.ToString());

    /// <summary>Sends <paramref name="sig"/>; returns ESRCH when the process is gone, throws on other errors.</summary>
    public static Errno PidfdSendSignal(SafeFd pidfd, int sig)
    {
        Errno e = Check.Try(pidfd_send_signal(pidfd.Fd, sig));
        if (e != Errno.OK && e != Errno.ESRCH) Check.Throw("pidfd_send_signal", e);
        return e;
    }

    /// <summary>Duplicates fd <paramref name="targetFd"/> of another process into ours (close-on-exec).</summary>
    public static SafeFd PidfdGetfd(SafeFd pidfd, int targetFd) =>
        Check.Fd(pidfd_getfd(pidfd.Fd, targetFd), "pidfd_getfd", targetFd.ToString());

    /// <summary>Makes this process the reaper of its orphaned descendants (runc's `run` without a shim).</summary>
    public static void SetChildSubreaper(bool on = true) =>
        Check.Rc(prctl(PR_SET_CHILD_SUBREAPER, on ? 1u : 0u, 0, 0, 0), "prctl", "PR_SET_CHILD_SUBREAPER");

    public static bool IsChildSubreaper()
    {
        int value;
        Check.Rc(prctl(PR_GET_CHILD_SUBREAPER, (nuint)(&value), 0, 0, 0), "prctl", "PR_GET_CHILD_SUBREAPER");
        return value != 0;
    }

    /// <summary>The signal this process gets when its parent (thread) dies; 0 clears it.</summary>
    public static void SetPdeathsig(int sig) =>
        Check.Rc(prctl(PR_SET_PDEATHSIG, (nuint)sig, 0, 0, 0), "prctl", "PR_SET_PDEATHSIG");
}
