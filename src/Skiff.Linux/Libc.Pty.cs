using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>glibc's struct termios on x86_64 (60 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct Termios
{
    public uint IFlag;
    public uint OFlag;
    public uint CFlag;
    public uint LFlag;
    public byte Line;
    public fixed byte Cc[32];
    public uint ISpeed;
    public uint OSpeed;
}

/// <summary>struct winsize.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct WinSize
{
    public ushort Rows;
    public ushort Cols;
    public ushort XPixel;
    public ushort YPixel;
}

public static unsafe partial class Libc
{
    public const uint TCGETS = 0x5401, TCSETS = 0x5402, TIOCSCTTY = 0x540E, TIOCGWINSZ = 0x5413,
        TIOCSWINSZ = 0x5414, TIOCGPTN = 0x80045430, TIOCSPTLCK = 0x40045431, TIOCGPTPEER = 0x5441;
    public const int TCSANOW = 0;
    public const uint ONLCR = 0x4;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, void* arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ioctl(int fd, nuint request, nint arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setsid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int tcgetattr(int fd, Termios* t);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int tcsetattr(int fd, int action, Termios* t);

    [LibraryImport("libc")]
    public static partial void cfmakeraw(Termios* t);

    /// <summary>Opens the pty multiplexer at <paramref name="ptmx"/> (O_RDWR|O_NOCTTY|O_CLOEXEC) as posix_openpt.</summary>
    public static SafeFd OpenPtmx(string ptmx = "/dev/ptmx") => Open(ptmx, O_RDWR | O_NOCTTY);

    /// <summary>unlockpt(3): TIOCSPTLCK with 0.</summary>
    public static void Unlockpt(SafeFd master)
    {
        int zero = 0;
        Check.Rc(ioctl(master.Fd, TIOCSPTLCK, &zero), "ioctl(TIOCSPTLCK)");
    }

    /// <summary>The pty number (TIOCGPTN): the peer is /dev/pts/N.</summary>
    public static int PtyNumber(SafeFd master)
    {
        int n;
        Check.Rc(ioctl(master.Fd, TIOCGPTN, &n), "ioctl(TIOCGPTN)");
        return n;
    }

    /// <summary>ptsname_r(3) via TIOCGPTN. The name is what the master's devpts instance calls the peer.</summary>
    public static string Ptsname(SafeFd master) => "/dev/pts/" + PtyNumber(master);

    /// <summary>
    /// Opens the pty peer of <paramref name="master"/> (O_RDWR|O_NOCTTY|O_CLOEXEC) with TIOCGPTPEER, so the peer is
    /// the master's own devpts instance and no path in the container is trusted; falls back to the path on
    /// kernels before 4.13.
    /// </summary>
    public static SafeFd OpenPtyPeer(SafeFd master)
    {
        int fd = ioctl(master.Fd, TIOCGPTPEER, (nint)(O_RDWR | O_NOCTTY | O_CLOEXEC));
        if (fd >= 0) return new SafeFd(fd);
        Errno e = Check.LastErrno;
        if (e != Errno.EINVAL && e != Errno.ENOTTY) Check.Throw("ioctl(TIOCGPTPEER)", e);
        return Open(Ptsname(master), O_RDWR | O_NOCTTY);
    }

    public static Termios GetTermios(int fd)
    {
        Termios t;
        Check.Rc(tcgetattr(fd, &t), "tcgetattr");
        return t;
    }

    public static void SetTermios(int fd, in Termios t)
    {
        Termios copy = t;
        int rc;
        while ((rc = tcsetattr(fd, TCSANOW, &copy)) < 0 && Check.LastErrno == Errno.EINTR) { }
        Check.Rc(rc, "tcsetattr");
    }

    /// <summary>Puts the terminal in raw mode (cfmakeraw) and returns the previous settings to restore later.</summary>
    public static Termios MakeRaw(int fd)
    {
        Termios old = GetTermios(fd);
        Termios raw = old;
        cfmakeraw(&raw);
        SetTermios(fd, raw);
        return old;
    }

    /// <summary>Clears ONLCR (runc does this on the received master so "\n" is not turned into "\r\n").</summary>
    public static void ClearOnlcr(int fd)
    {
        Termios t = GetTermios(fd);
        t.OFlag &= ~ONLCR;
        SetTermios(fd, t);
    }

    public static WinSize GetWinSize(int fd)
    {
        WinSize ws;
        Check.Rc(ioctl(fd, TIOCGWINSZ, &ws), "ioctl(TIOCGWINSZ)");
        return ws;
    }

    public static void SetWinSize(int fd, WinSize ws) =>
        Check.Rc(ioctl(fd, TIOCSWINSZ, &ws), "ioctl(TIOCSWINSZ)");

    /// <summary>Makes <paramref name="fd"/>'s terminal the controlling terminal (TIOCSCTTY, no steal).</summary>
    public static void SetControllingTerminal(int fd) =>
        Check.Rc(ioctl(fd, TIOCSCTTY, (nint)0), "ioctl(setctty)");

    /// <summary>
    /// setsid(2); EPERM (already a process-group leader, e.g. nsexec made us a session leader) is not an error.
    /// </summary>
    public static void SetsidIfNeeded()
    {
        if (setsid() < 0 && Check.LastErrno != Errno.EPERM) Check.Throw("setsid", Check.LastErrno);
    }
}
