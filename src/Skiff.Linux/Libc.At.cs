using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>The *at(2) family: every call acts on a name relative to a directory fd, so that a path checked once
/// through an fd is never looked up again from "/" (mkdirat, mknodat, symlinkat, unlinkat, fchownat, fchmodat,
/// readlinkat, statx with the mount id).</summary>
public static unsafe partial class Libc
{
    private const uint STATX_MNT_ID = 0x1000;
    private const ulong STATX_ATTR_MOUNT_ROOT = 0x2000;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mknodat(int dirfd, string path, uint mode, ulong dev);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int symlinkat(string target, int dirfd, string linkpath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fchownat(int dirfd, string path, uint uid, uint gid, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int fchmodat(int dirfd, string path, uint mode, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fchmod(int fd, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlinkat(int dirfd, string path, byte* buf, nint size);

    /// <summary>readlinkat(2) into a string; null with errno set on failure.</summary>
    public static string? ReadLinkAt(int dirfd, string path)
    {
        Span<byte> buf = stackalloc byte[4096];
        fixed (byte* p = buf)
        {
            nint n = readlinkat(dirfd, path, p, buf.Length);
            if (n < 0) return null;
            return System.Text.Encoding.UTF8.GetString(buf[..(int)n]);
        }
    }

    /// <summary>statx(2) of an fd (AT_EMPTY_PATH): its st_mode, the id of the mount it is on, and whether it is
    /// the root of that mount. -1 with errno on failure.</summary>
    public static int FstatMount(int fd, out uint mode, out ulong mntId, out bool mountRoot)
    {
        StatxBuf buf;
        int rc = statx(fd, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MODE | STATX_MNT_ID, &buf);
        mode = rc == 0 ? buf.Mode : 0u;
        mntId = rc == 0 ? buf.MntId : 0;
        mountRoot = rc == 0 && (buf.Attributes & STATX_ATTR_MOUNT_ROOT) != 0;
        return rc;
    }
}
