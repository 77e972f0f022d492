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

/// <summary>fsopen(2)/fsconfig(2)/fsmount(2): a filesystem instance made as a detached mount that no path reaches
/// (a private procfs, the masking tmpfs).</summary>
public static unsafe partial class Libc
{
    public const int FSOPEN_CLOEXEC = 1, FSMOUNT_CLOEXEC = 1;
    public const int FSCONFIG_SET_FLAG = 0, FSCONFIG_SET_STRING = 1, FSCONFIG_CMD_CREATE = 6;
    private const long SysFsopen = 430, SysFsconfig = 431, SysFsmount = 432;

    public static int fsopen(string fsname, int flags)
    {
        byte[] n = Utf8Z(fsname);
        fixed (byte* pn = n)
            return (int)syscall(SysFsopen, (long)pn, (uint)flags, 0, 0, 0, 0);
    }

    /// <summary>fsconfig(2) with a string key and an optional string value.</summary>
    public static int fsconfig(int fd, int cmd, string? key, string? value)
    {
        byte[]? k = key is null ? null : Utf8Z(key), v = value is null ? null : Utf8Z(value);
        fixed (byte* pk = k)
        fixed (byte* pv = v)
            return (int)syscall(SysFsconfig, fd, (uint)cmd, (long)pk, (long)pv, 0, 0);
    }

    public static int fsmount(int fsfd, int flags, ulong attrFlags) =>
        (int)syscall(SysFsmount, fsfd, (uint)flags, (long)attrFlags, 0, 0, 0);

    /// <summary>A new, detached mount of <paramref name="fstype"/> with the given string options
    /// (fsopen + fsconfig + FSCONFIG_CMD_CREATE + fsmount).</summary>
    public static SafeFd FsMount(string fstype, string source, IEnumerable<(string Key, string? Value)> options,
        ulong attrFlags)
    {
        using SafeFd fs = Check.Fd(fsopen(fstype, FSOPEN_CLOEXEC), "fsopen", fstype);
        Check.Rc(fsconfig(fs.Fd, FSCONFIG_SET_STRING, "source", source), "fsconfig", fstype + " source");
        foreach (var (k, v) in options)
            Check.Rc(fsconfig(fs.Fd, v is null ? FSCONFIG_SET_FLAG : FSCONFIG_SET_STRING, k, v), "fsconfig", fstype + " " + k);
        Check.Rc(fsconfig(fs.Fd, FSCONFIG_CMD_CREATE, null, null), "fsconfig", fstype + " create");
        return Check.Fd(fsmount(fs.Fd, FSMOUNT_CLOEXEC, attrFlags), "fsmount", fstype);
    }
}
