namespace Skiff.Linux;

/// <summary>The new mount API calls used for idmapped mounts: open_tree(2) and move_mount(2) (raw syscall numbers;
/// glibc 2.36 does not wrap them, and they are the same on x86_64 and aarch64).</summary>
public static unsafe partial class Libc
{
    public const int OPEN_TREE_CLONE = 1, OPEN_TREE_CLOEXEC = O_CLOEXEC;
    public const int MOVE_MOUNT_F_SYMLINKS = 0x1, MOVE_MOUNT_F_AUTOMOUNTS = 0x2, MOVE_MOUNT_F_EMPTY_PATH = 0x4,
        MOVE_MOUNT_T_SYMLINKS = 0x10, MOVE_MOUNT_T_AUTOMOUNTS = 0x20, MOVE_MOUNT_T_EMPTY_PATH = 0x40;

    private const long SysOpenTree = 428, SysMoveMount = 429;

    /// <summary>open_tree(2); returns the fd or -1 with errno set.</summary>
    public static int open_tree(int dirfd, string path, int flags)
    {
        byte[] p = Utf8Z(path);
        fixed (byte* pp = p)
            return (int)syscall(SysOpenTree, dirfd, (long)pp, (uint)flags, 0, 0, 0);
    }

    /// <summary>move_mount(2); 0 or -1 with errno set.</summary>
    public static int move_mount(int fromDirfd, string fromPath, int toDirfd, string toPath, int flags)
    {
        byte[] f = Utf8Z(fromPath), t = Utf8Z(toPath);
        fixed (byte* pf = f)
        fixed (byte* pt = t)
            return (int)syscall(SysMoveMount, fromDirfd, (long)pf, toDirfd, (long)pt, (uint)flags, 0);
    }

    /// <summary>open_tree(OPEN_TREE_CLONE|OPEN_TREE_CLOEXEC[|AT_RECURSIVE]) of <paramref name="path"/>: a detached
    /// copy of the mount (tree) there.</summary>
    public static SafeFd OpenTreeClone(string path, bool recursive)
    {
        int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
        return Check.Fd(open_tree(AT_FDCWD, path, flags), "open_tree(OPEN_TREE_CLONE)", path);
    }
}
