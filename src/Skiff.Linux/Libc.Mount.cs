using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>Mount-related syscalls: mount, umount2, pivot_root, chroot, mknod, symlink, statfs, statx, openat2,
/// mount_setattr (the last two and pivot_root through raw syscall numbers; glibc 2.36 does not wrap them).</summary>
public static unsafe partial class Libc
{
    // <sys/mount.h> mount(2) flags.
    public const ulong MS_RDONLY = 0x1, MS_NOSUID = 0x2, MS_NODEV = 0x4, MS_NOEXEC = 0x8, MS_SYNCHRONOUS = 0x10,
        MS_REMOUNT = 0x20, MS_MANDLOCK = 0x40, MS_DIRSYNC = 0x80, MS_NOSYMFOLLOW = 0x100, MS_NOATIME = 0x400,
        MS_NODIRATIME = 0x800, MS_BIND = 0x1000, MS_MOVE = 0x2000, MS_REC = 0x4000, MS_SILENT = 0x8000,
        MS_POSIXACL = 0x10000, MS_UNBINDABLE = 0x20000, MS_PRIVATE = 0x40000, MS_SLAVE = 0x80000,
        MS_SHARED = 0x100000, MS_RELATIME = 0x200000, MS_I_VERSION = 0x800000, MS_STRICTATIME = 0x1000000,
        MS_LAZYTIME = 0x2000000;

    public const int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

    // mount_setattr(2) attributes.
    public const ulong MOUNT_ATTR_RDONLY = 0x1, MOUNT_ATTR_NOSUID = 0x2, MOUNT_ATTR_NODEV = 0x4,
        MOUNT_ATTR_NOEXEC = 0x8, MOUNT_ATTR__ATIME = 0x70, MOUNT_ATTR_RELATIME = 0x0, MOUNT_ATTR_NOATIME = 0x10,
        MOUNT_ATTR_STRICTATIME = 0x20, MOUNT_ATTR_NODIRATIME = 0x80, MOUNT_ATTR_IDMAP = 0x100000,
        MOUNT_ATTR_NOSYMFOLLOW = 0x200000;
    public const int AT_RECURSIVE = 0x8000;

    // openat2(2) resolve flags.
    public const ulong RESOLVE_NO_XDEV = 0x1, RESOLVE_NO_MAGICLINKS = 0x2, RESOLVE_NO_SYMLINKS = 0x4,
        RESOLVE_BENEATH = 0x8, RESOLVE_IN_ROOT = 0x10;

    // File types (st_mode).
    public const uint S_IFMT = 0xF000, S_IFSOCK = 0xC000, S_IFLNK = 0xA000, S_IFREG = 0x8000, S_IFBLK = 0x6000,
        S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFIFO = 0x1000;

    // statfs(2) f_flags.
    public const long ST_RDONLY = 0x1, ST_NOSUID = 0x2, ST_NODEV = 0x4, ST_NOEXEC = 0x8, ST_SYNCHRONOUS = 0x10,
        ST_MANDLOCK = 0x40, ST_NOATIME = 0x400, ST_NODIRATIME = 0x800, ST_RELATIME = 0x1000,
        ST_NOSYMFOLLOW = 0x2000;

    public const long PROC_SUPER_MAGIC = 0x9fa0, SYSFS_MAGIC = 0x62656572, TMPFS_MAGIC = 0x01021994,
        CGROUP2_SUPER_MAGIC = 0x63677270, CGROUP_SUPER_MAGIC = 0x27e0eb;

    private const uint STATX_TYPE = 0x1, STATX_MODE = 0x2, STATX_INO = 0x100;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mount(string? source, string target, string? fstype, ulong flags, string? data);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int umount2(string target, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chroot(string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlink(string target, string linkpath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlink(string path, byte* buf, nint size);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statfs(string path, StatfsBuf* buf);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, StatxBuf* buf);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fstatfs(int fd, StatfsBuf* buf);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lchown(string path, uint uid, uint gid);

    /// <summary>struct statfs on 64-bit Linux (x86_64 and aarch64 share the layout).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StatfsBuf
    {
        public long Type, Bsize;
        public ulong Blocks, Bfree, Bavail, Files, Ffree;
        public int Fsid0, Fsid1;
        public long Namelen, Frsize, Flags;
        public long Spare0, Spare1, Spare2, Spare3;
    }

    /// <summary>struct statx (arch-independent layout, 256 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    internal struct StatxBuf
    {
        public uint Mask, Blksize;
        public ulong Attributes;
        public uint Nlink, Uid, Gid;
        public ushort Mode, Pad1;
        public ulong Ino, Size, Blocks, AttributesMask;
        public long AtimeSec; public uint AtimeNsec; public int Pad2;
        public long BtimeSec; public uint BtimeNsec; public int Pad3;
        public long CtimeSec; public uint CtimeNsec; public int Pad4;
        public long MtimeSec; public uint MtimeNsec; public int Pad5;
        public uint RdevMajor, RdevMinor, DevMajor, DevMinor;
        public ulong MntId;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags, Mode, Resolve;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MountAttr
    {
        public ulong AttrSet, AttrClr, Propagation, UsernsFd;
    }

    /// <summary>The part of statfs(2) a runtime looks at.</summary>
    public readonly record struct FsStat(long Type, long Flags);

    private static bool IsArm64 => RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
    private static long SysPivotRoot => IsArm64 ? 41 : 155;
    private const long SysOpenat2 = 437, SysMountSetattr = 442;

    /// <summary>pivot_root(2) (no glibc wrapper).</summary>
    public static int pivot_root(string newRoot, string putOld)
    {
        byte[] a = Utf8Z(newRoot), b = Utf8Z(putOld);
        fixed (byte* pa = a)
        fixed (byte* pb = b)
            return (int)syscall(SysPivotRoot, (long)pa, (long)pb, 0, 0, 0, 0);
    }

    /// <summary>openat2(2); returns the fd or -1 with errno set. EINTR and EAGAIN are retried here, for every
    /// caller: with RESOLVE_IN_ROOT/BENEATH the kernel answers EAGAIN when a rename or mount anywhere on the host
    /// raced a ".." step of the walk (a transient race, not an answer).</summary>
    public static int openat2(int dirfd, string path, int flags, uint mode, ulong resolve)
    {
        byte[] p = Utf8Z(path);
        var how = new OpenHow { Flags = (ulong)(uint)flags, Mode = mode, Resolve = resolve };
        int r, tries = 0;
        fixed (byte* pp = p)
        {
            do r = (int)syscall(SysOpenat2, dirfd, (long)pp, (long)&how, sizeof(OpenHow), 0, 0);
            while (r < 0 && Check.LastErrno is Errno.EINTR or Errno.EAGAIN && ++tries < 1024);
        }
        return r;
    }

    /// <summary>mount_setattr(2) with the given attribute set/clear masks and propagation.</summary>
    public static int mount_setattr(int dirfd, string path, int flags, ulong attrSet, ulong attrClr,
        ulong propagation = 0, ulong usernsFd = 0)
    {
        byte[] p = Utf8Z(path);
        var attr = new MountAttr { AttrSet = attrSet, AttrClr = attrClr, Propagation = propagation, UsernsFd = usernsFd };
        fixed (byte* pp = p)
            return (int)syscall(SysMountSetattr, dirfd, (long)pp, flags, (long)&attr, sizeof(MountAttr), 0);
    }

    /// <summary>statfs(2): the filesystem magic and the ST_* mount flags; -1 with errno on failure.</summary>
    public static int Statfs(string path, out FsStat st)
    {
        StatfsBuf buf;
        int rc = statfs(path, &buf);
        st = rc == 0 ? new FsStat(buf.Type, buf.Flags) : default;
        return rc;
    }

    public static int Fstatfs(int fd, out FsStat st)
    {
        StatfsBuf buf;
        int rc = fstatfs(fd, &buf);
        st = rc == 0 ? new FsStat(buf.Type, buf.Flags) : default;
        return rc;
    }

    /// <summary>The st_mode of <paramref name="path"/> (relative to <paramref name="dirfd"/>); flags may hold
    /// AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH. -1 with errno on failure.</summary>
    public static int StatMode(int dirfd, string path, int flags, out uint mode)
    {
        StatxBuf buf;
        int rc = statx(dirfd, path, flags, STATX_TYPE | STATX_MODE, &buf);
        mode = rc == 0 ? buf.Mode : 0u;
        return rc;
    }

    /// <summary>st_mode and inode number (for identity checks).</summary>
    public static int StatModeIno(int dirfd, string path, int flags, out uint mode, out ulong ino)
    {
        StatxBuf buf;
        int rc = statx(dirfd, path, flags, STATX_TYPE | STATX_MODE | STATX_INO, &buf);
        mode = rc == 0 ? buf.Mode : 0u;
        ino = rc == 0 ? buf.Ino : 0;
        return rc;
    }

    /// <summary>st_mode and st_rdev (major, minor) of an open fd.</summary>
    public static int FstatRdev(int fd, out uint mode, out uint rdevMajor, out uint rdevMinor)
    {
        StatxBuf buf;
        int rc = statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE, &buf);
        mode = rc == 0 ? buf.Mode : 0u;
        rdevMajor = rc == 0 ? buf.RdevMajor : 0u;
        rdevMinor = rc == 0 ? buf.RdevMinor : 0u;
        return rc;
    }

    /// <summary>readlink(2) into a string; null with errno set on failure.</summary>
    public static string? ReadLink(string path)
    {
        Span<byte> buf = stackalloc byte[4096];
        fixed (byte* p = buf)
        {
            nint n = readlink(path, p, buf.Length);
            if (n < 0) return null;
            return System.Text.Encoding.UTF8.GetString(buf[..(int)n]);
        }
    }

    /// <summary>glibc's makedev(3).</summary>
    public static ulong Makedev(ulong major, ulong minor) =>
        ((major & 0xfffff000UL) << 32) | ((major & 0xfffUL) << 8) | ((minor & 0xffffff00UL) << 12) | (minor & 0xffUL);

    private static byte[] Utf8Z(string s)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        var b = new byte[n + 1];
        System.Text.Encoding.UTF8.GetBytes(s, b);
        return b;
    }
}
