using Skiff.LibContainer.Wire;
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
        CheckIsPtmx(master);
        Libc.Unlockpt(master);
        string name = Libc.Ptsname(master);
        using SafeFd peer = Libc.OpenPtyPeer(master);
        CheckIsPty(peer, name);

        if (size is { Height: > 0, Width: > 0 })
            Libc.SetWinSize(master.Fd, new WinSize { Rows = (ushort)size.Height, Cols = (ushort)size.Width });

        if (mountConsole) MountConsole(peer, name);

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

    private const long DEVPTS_SUPER_MAGIC = 0x1cd1;

    /// <summary>/dev/ptmx must be the ptmx (5:2) of a devpts instance, not something the image put there
    /// (CVE-2025-52565).</summary>
    private static void CheckIsPtmx(SafeFd master)
    {
        FileIds st = Libc.FstatIds(master.Fd);
        Check.Rc(Libc.Fstatfs(master.Fd, out var fs), "fstatfs", "/dev/ptmx");
        uint minor = (uint)(((st.Rdev >> 12) & 0xFFFFFF00) | (st.Rdev & 0xFF));
        if (!st.IsCharDevice || st.RdevMajor != 5 || minor != 2 || fs.Type != DEVPTS_SUPER_MAGIC)
            throw new ContainerException($"/dev/ptmx is not the ptmx of a devpts (filesystem 0x{fs.Type:x}, device {st.RdevMajor}:{minor})");
    }

    /// <summary>The peer's own mount cloned (open_tree on the fd TIOCGPTPEER gave) and attached onto /dev/console,
    /// which is opened inside the root or made there (O_CREAT|O_EXCL|O_NOFOLLOW); no path is looked up twice.</summary>
    private static void MountConsole(SafeFd peer, string ptsName)
    {
        using RootDir root = RootDir.Open("/");
        Errno e = root.TryOpen("/dev/console", Libc.O_PATH, out SafeFd? dst);
        if (e == Errno.ENOENT)
        {
            dst = root.CreateFile("/dev/console", 0b110_110_110 /* 0666 */);
            Check.Rc(Libc.fchmod(dst.Fd, 0b110_110_110 /* 0666 */), "fchmod", "/dev/console"); // umask may have cut bits
        }
        else if (e != Errno.OK) Check.Throw("openat2", e, "/dev/console");
        using (dst)
        {
            using SafeFd tree = Check.Fd(Libc.open_tree(peer.Fd, "", Libc.OPEN_TREE_CLONE | Libc.OPEN_TREE_CLOEXEC | Libc.AT_EMPTY_PATH),
                "open_tree", ptsName);
            Check.Rc(Libc.move_mount(tree.Fd, "", dst!.Fd, "", Libc.MOVE_MOUNT_F_EMPTY_PATH | Libc.MOVE_MOUNT_T_EMPTY_PATH),
                "move_mount", ptsName + ":/dev/console");
        }
    }
}
