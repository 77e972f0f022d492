using System.Runtime.InteropServices;

namespace Skiff.Interop;

/// <summary>
/// The few libc functions the library needs: spawning its helper processes (posix_spawn with fds placed at
/// 0..3), pidfds, waitid(P_PIDFD), epoll, pipes. The library ships no runtime assembly (Skiff.Linux stays internal
/// to the binary), so it declares its own, as dotnet's System.Native does for Process.
/// </summary>
internal static unsafe partial class Native
{
    public const int O_CLOEXEC = 0x80000;
    public const int F_SETFD = 2, FD_CLOEXEC = 1, F_DUPFD_CLOEXEC = 1030;
    public const int EINTR = 4, ESRCH = 3, ECHILD = 10, EAGAIN = 11;
    public const int P_PIDFD = 3, WEXITED = 4, WNOHANG = 1;
    public const int CLD_EXITED = 1, CLD_KILLED = 2, CLD_DUMPED = 3;
    public const int EPOLL_CLOEXEC = 0x80000, EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLLIN = 1;
    public const int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial uint getegid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial long syscall(long number, long a1, long a2, long a3);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int waitid(int idtype, int id, byte* info, int options);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_ctl(int epfd, int op, int fd, EpollEvent* ev);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int epoll_wait(int epfd, EpollEvent* events, int maxevents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int recvmsg(int fd, MsgHdr* msg, int flags);

    // posix_spawn returns the error number (it does not set errno)
    [LibraryImport("libc")]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_init(void* fa);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_destroy(void* fa);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_adddup2(void* fa, int fd, int newfd);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_init(void* attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport("libc")]
    public static partial int sigemptyset(void* set);

    [LibraryImport("libc")]
    public static partial int sigfillset(void* set);

    [LibraryImport("libc")]
    public static partial int sigdelset(void* set, int sig);

    private const long SYS_pidfd_send_signal = 424, SYS_pidfd_open = 434;

    public static int pidfd_open(int pid) => (int)syscall(SYS_pidfd_open, pid, 0, 0);

    public static int pidfd_send_signal(int pidfd, int sig) => (int)syscall(SYS_pidfd_send_signal, pidfd, sig, 0);

    /// <summary>The last errno as an exception naming the call (Go-style "call: text").</summary>
    public static IOException Error(string call, int errno) =>
        new($"{call}: {Marshal.GetPInvokeErrorMessage(errno)}") { HResult = errno };

    public static int Check(int rc, string call)
    {
        if (rc < 0) throw Error(call, Marshal.GetLastPInvokeError());
        return rc;
    }

    /// <summary>A pipe, both ends close-on-exec.</summary>
    public static (SafeFdHandle Read, SafeFdHandle Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Check(pipe2(fds, O_CLOEXEC), "pipe2");
        return (new SafeFdHandle(fds[0]), new SafeFdHandle(fds[1]));
    }

    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public int NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }
}
