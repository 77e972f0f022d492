using System.Runtime.InteropServices;

namespace Skiff.Linux;

public static unsafe partial class Libc
{
    /// <summary>struct stat on x86_64 (144 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Stat
    {
        public ulong Dev;
        public ulong Ino;
        public ulong Nlink;
        public uint Mode;
        public uint Uid;
        public uint Gid;
        private int _pad0;
        public ulong Rdev;
        public long Size;
        public long Blksize;
        public long Blocks;
        public long Atime, AtimeNsec, Mtime, MtimeNsec, Ctime, CtimeNsec;
        private fixed long _reserved[3];
    }

    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int stat_(string path, Stat* st);

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lstat_(string path, Stat* st);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    private static partial int fstat_(int fd, Stat* st);

    /// <summary>stat(2), or null when the path does not exist (other errors throw).</summary>
    public static Stat? TryStat(string path, bool followLinks = true)
    {
        Stat st;
        int rc = followLinks ? stat_(path, &st) : lstat_(path, &st);
        if (rc == 0) return st;
        Errno e = Check.LastErrno;
        if (e is Errno.ENOENT or Errno.ENOTDIR) return null;
        throw new SyscallException(followLinks ? "stat" : "lstat", e, path);
    }

    public static Stat FStat(SafeFd fd)
    {
        Stat st;
        Check.Rc(fstat_(fd.Fd, &st), "fstat");
        return st;
    }
}
