using System.Runtime.InteropServices;

namespace Skiff.Examples.SeccompAgent;

/// <summary>The few libc calls the agent needs, and the seccomp user-notification ABI (linux/seccomp.h).</summary>
internal static unsafe partial class Native
{
    public const int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, SOL_SOCKET = 1, SCM_RIGHTS = 1;
    public const int MSG_CMSG_CLOEXEC = 0x40000000, O_RDONLY = 0, O_CLOEXEC = 0x80000;
    public const short POLLIN = 1, POLLHUP = 0x10;
    public const int EINTR = 4, ENOENT = 2;

    // _IOWR('!', 0, struct seccomp_notif), _IOWR('!', 1, struct seccomp_notif_resp), _IOW('!', 2, __u64)
    public const uint SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100, SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101,
        SECCOMP_IOCTL_NOTIF_ID_VALID = 0x40082102;
    public const uint SECCOMP_USER_NOTIF_FLAG_CONTINUE = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct SeccompData { public int Nr; public uint Arch; public ulong InstructionPointer; public fixed ulong Args[6]; }

    [StructLayout(LayoutKind.Sequential)]
    public struct SeccompNotif { public ulong Id; public uint Pid; public uint Flags; public SeccompData Data; }

    [StructLayout(LayoutKind.Sequential)]
    public struct SeccompNotifResp { public ulong Id; public long Val; public int Error; public uint Flags; }

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec { public void* Base; public nuint Len; }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name; public uint NameLen; public IoVec* Iov; public nuint IovLen;
        public void* Control; public nuint ControlLen; public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr { public nuint Len; public int Level; public int Type; }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd { public int Fd; public short Events; public short Revents; }

    [LibraryImport("libc", SetLastError = true)] public static partial int socket(int domain, int type, int protocol);
    [LibraryImport("libc", SetLastError = true)] public static partial int bind(int fd, byte* addr, uint len);
    [LibraryImport("libc", SetLastError = true)] public static partial int listen(int fd, int backlog);
    [LibraryImport("libc", SetLastError = true)] public static partial int accept4(int fd, void* addr, void* len, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial nint recvmsg(int fd, MsgHdr* msg, int flags);
    [LibraryImport("libc", SetLastError = true)] public static partial int ioctl(int fd, nuint request, void* arg);
    [LibraryImport("libc", SetLastError = true)] public static partial int poll(PollFd* fds, nuint n, int timeout);
    [LibraryImport("libc", SetLastError = true)] public static partial nint pread(int fd, byte* buf, nint n, long off);
    [LibraryImport("libc", SetLastError = true)] public static partial int close(int fd);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlink(string path);

    public static int Errno => Marshal.GetLastPInvokeError();

    public static Exception Error(string what) => new IOException($"{what}: errno {Errno}");
}
