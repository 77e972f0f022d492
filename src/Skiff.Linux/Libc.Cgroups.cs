namespace Skiff.Linux;

public static unsafe partial class Libc
{
    /// <summary>
    /// One write() of the whole buffer (EINTR retried), for cgroup and proc control files where the kernel parses
    /// each write as one request, so a value must never be split. Returns the errno, or OK.
    /// A short write is reported as EIO (a control file takes a value whole or fails).
    /// </summary>
    public static Errno TryWriteOnce(SafeFd fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            while (true)
            {
                nint n = write(fd.Fd, p, data.Length);
                if (n == data.Length) return Errno.OK;
                if (n >= 0) return Errno.EIO;
                Errno e = Check.LastErrno;
                if (e != Errno.EINTR) return e;
            }
        }
    }
}
