using System.Runtime.InteropServices;

namespace Skiff.Linux;

public static unsafe partial class Libc
{
    /// <summary>f_type of a cgroup v2 (unified) mount.</summary>
    public const long CGROUP2_SUPER_MAGIC = 0x63677270;
    /// <summary>f_type of a cgroup v1 mount.</summary>
    public const long CGROUP_SUPER_MAGIC = 0x27e0eb;
    public const long TMPFS_MAGIC = 0x01021994;

    /// <summary>struct statfs on x86_64 (120 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct StatfsBuf
    {
        public long Type;
        public long Bsize;
        public ulong Blocks;
        public ulong Bfree;
        public ulong Bavail;
        public ulong Files;
        public ulong Ffree;
        public ulong Fsid;
        public long Namelen;
        public long Frsize;
        public long Flags;
        private fixed long _spare[4];
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int statfs(string path, StatfsBuf* buf);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fstatfs(int fd, StatfsBuf* buf);

    /// <summary>The filesystem magic (f_type) of <paramref name="path"/>; throws "statfs PATH: ..." on failure.</summary>
    public static long StatfsType(string path)
    {
        Errno e = TryStatfsType(path, out long type);
        if (e != Errno.OK) Check.Throw("statfs", e, path);
        return type;
    }

    /// <summary>Like <see cref="StatfsType"/> but returns the errno instead of throwing (ENOENT probes).</summary>
    public static Errno TryStatfsType(string path, out long type)
    {
        StatfsBuf buf;
        int rc;
        do { rc = statfs(path, &buf); } while (rc < 0 && Check.LastErrno == Errno.EINTR);
        Errno e = Check.Try(rc);
        type = e == Errno.OK ? buf.Type : 0;
        return e;
    }
}
