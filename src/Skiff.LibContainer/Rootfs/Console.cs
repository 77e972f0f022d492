using Skiff.LibContainer.Init;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// The container's terminal (runc's setupConsole). The pty is made inside the container, after the root switch, so
/// it belongs to the container's devpts instance (runc#814); the master goes to whoever listens on
/// --console-socket, the peer becomes the process's stdio and controlling terminal.
/// (The name shadows System.Console in this namespace on purpose: nothing in `skiff init` may use that.)
/// </summary>
internal static class Console
{
    /// <summary>
    /// Opens /dev/ptmx, unlocks it, opens the peer (TIOCGPTPEER, checked to be a pty), applies
    /// <paramref name="size"/> if both dimensions are set, optionally bind-mounts the peer over /dev/console (init
    /// only, as runc's mountConsole), sends the master over <paramref name="consoleSocket"/> with the pty name
    /// as payload, dups the peer onto 0, 1, 2, then setsid (if not already a session leader) and TIOCSCTTY.
    /// The caller closes <paramref name="consoleSocket"/> afterwards.
    /// </summary>
    public static void Setup(SafeFd consoleSocket, Box? size, bool mountConsole = false)
    {
        using SafeFd master = Libc.OpenPtmx("/dev/ptmx");
        Libc.Unlockpt(master);
        string name = Libc.Ptsname(master);
        using SafeFd peer = Libc.OpenPtyPeer(master);
        CheckIsPty(peer, name);

        if (size is { Height: > 0, Width: > 0 })
            Libc.SetWinSize(master.Fd, new WinSize { Rows = (ushort)size.Height, Cols = (ushort)size.Width });

        if (mountConsole) MountConsole(name);

        ConsoleSocket.SendFd(consoleSocket, master, name);

        for (int fd = 0; fd <= 2; fd++)
            Check.Rc(Libc.dup3(peer.Fd, fd, 0), "dup3");

        Libc.SetsidIfNeeded();
        Libc.SetControllingTerminal(0);
    }

    /// <summary>The peer must be a pty slave (Unix98 majors 136-143), not something planted in the container.</summary>
    private static void CheckIsPty(SafeFd peer, string name)
    {
        FileIds st = Libc.FstatIds(peer.Fd);
        uint major = st.RdevMajor;
        if (!st.IsCharDevice || major < 136 || major > 143)
            throw new ContainerException($"pty peer {name} is not a pty (mode {st.Mode:o}, major {major})");
    }

    private static void MountConsole(string ptsName)
    {
        int fd = Libc.open("/dev/console", Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_NOCTTY | Libc.O_CLOEXEC, 0b110_110_110 /* 0666 */);
        if (fd >= 0)
        {
            using var created = new SafeFd(fd);
            Check.Rc(Libc.chmod("/dev/console", 0b110_110_110 /* 0666 */), "chmod", "/dev/console"); // umask may have cut bits
        }
        else if (Check.LastErrno != Errno.EEXIST)
        {
            Check.Throw("open", Check.LastErrno, "/dev/console");
        }
        Libc.BindMountPtyOver(ptsName, "/dev/console");
    }
}
