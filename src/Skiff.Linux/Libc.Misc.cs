using System.Runtime.InteropServices;

namespace Skiff.Linux;

public static unsafe partial class Libc
{
    public const int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    public const short POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint nfds, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int uname(byte* buf);

    /// <summary>The running kernel's release, uname -r ("6.9.0-1-amd64"), or "" if uname(2) fails. A syscall, not
    /// /proc/sys/kernel/osrelease: inside the container's root that path may be the image's own file.</summary>
    public static string KernelRelease()
    {
        const int field = 65; // struct utsname: sysname, nodename, release, version, machine, domainname
        byte* buf = stackalloc byte[field * 6];
        if (uname(buf) != 0) return "";
        return Marshal.PtrToStringUTF8((nint)(buf + 2 * field)) ?? "";
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sethostname(byte* name, nuint len);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setdomainname(byte* name, nuint len);

    /// <summary>poll(2) on one fd; returns revents (0 on timeout). EINTR counts as a timeout.</summary>
    public static short PollOne(int fd, short events, int timeoutMs)
    {
        PollFd p = new() { Fd = fd, Events = events };
        int rc = poll(&p, 1, timeoutMs);
        if (rc < 0)
        {
            if (Check.LastErrno == Errno.EINTR) return 0;
            Check.Throw("poll", Check.LastErrno);
        }
        return rc == 0 ? (short)0 : p.Revents;
    }

    public static void SetHostname(string name)
    {
        byte[] b = System.Text.Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b) Check.Rc(sethostname(p, (nuint)b.Length), "sethostname");
    }

    public static void SetDomainname(string name)
    {
        byte[] b = System.Text.Encoding.UTF8.GetBytes(name);
        fixed (byte* p = b) Check.Rc(setdomainname(p, (nuint)b.Length), "setdomainname");
    }
}
