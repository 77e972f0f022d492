using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>Anonymous in-memory files (memfd_create), seeking, and sealed memfd copies (the binary clone's
/// fallback): memfd_create(2), lseek(2), sendfile(2), file seals.</summary>
public static unsafe partial class Libc
{
    public const uint MFD_CLOEXEC = 0x1, MFD_ALLOW_SEALING = 0x2, MFD_EXEC = 0x10;
    public const int SEEK_SET = 0, SEEK_DATA = 3, SEEK_HOLE = 4;
    public const int F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    public const int F_SEAL_SEAL = 0x1, F_SEAL_SHRINK = 0x2, F_SEAL_GROW = 0x4, F_SEAL_WRITE = 0x8, F_SEAL_EXEC = 0x20;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendfile(int outFd, int inFd, long* offset, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    /// <summary>A close-on-exec anonymous file named <paramref name="name"/> (shown as memfd:NAME).</summary>
    public static SafeFd MemfdCreate(string name) =>
        Check.Fd(memfd_create(name, MFD_CLOEXEC), "memfd_create", name);

    /// <summary>Seeks <paramref name="fd"/> back to offset 0.</summary>
    public static void Rewind(SafeFd fd) => Check.Rc(lseek(fd.Fd, 0, SEEK_SET), "lseek");

    /// <summary>
    /// Copies the first <paramref name="size"/> bytes of <paramref name="src"/> into the empty <paramref name="dst"/>,
    /// holes as holes: only the data segments lseek(SEEK_DATA/SEEK_HOLE) finds are written (a filesystem that does
    /// not know holes reports the whole file as data), and <paramref name="dst"/> gets the size by ftruncate. A file
    /// that grows meanwhile is copied up to <paramref name="size"/>; one that shrinks during a segment's copy fails
    /// with EIO, and what it lost before a segment was reached is left a hole.
    /// </summary>
    public static void CopySparse(SafeFd dst, SafeFd src, long size, string path)
    {
        Check.Rc(ftruncate(dst.Fd, size), "ftruncate", path);
        long off = 0;
        while (off < size)
        {
            long data = lseek(src.Fd, off, SEEK_DATA);
            if (data < 0 && Check.LastErrno == Errno.ENXIO) return; // only a hole is left
            Check.Rc(data, "lseek(SEEK_DATA)", path);
            if (data >= size) return;
            long hole = lseek(src.Fd, data, SEEK_HOLE);
            Check.Rc(hole, "lseek(SEEK_HOLE)", path);
            long end = Math.Min(hole, size);
            Check.Rc(lseek(dst.Fd, data, SEEK_SET), "lseek", path);
            off = data;
            while (off < end)
            {
                nint n = sendfile(dst.Fd, src.Fd, &off, (nint)Math.Min(end - off, 1L << 30));
                if (n < 0 && Check.LastErrno == Errno.EINTR) continue;
                Check.Rc(n, "sendfile", path);
                if (n == 0) Check.Throw("sendfile", Errno.EIO, path); // the file shrank under us
            }
        }
    }

    /// <summary>Copies <paramref name="size"/> bytes of <paramref name="src"/> (from offset 0) to the end of
    /// <paramref name="dst"/> with sendfile(2).</summary>
    public static void SendfileAll(SafeFd dst, SafeFd src, long size, string path)
    {
        long off = 0;
        while (off < size)
        {
            nint n = sendfile(dst.Fd, src.Fd, &off, (nint)Math.Min(size - off, 1L << 30));
            if (n < 0 && Check.LastErrno == Errno.EINTR) continue;
            Check.Rc(n, "sendfile", path);
            if (n == 0) Check.Throw("sendfile", Errno.EIO, path); // the file shrank under us
        }
    }
}
