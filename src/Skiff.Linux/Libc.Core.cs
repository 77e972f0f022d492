using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>libc entry points, one partial file per area (Libc.Mount.cs, Libc.Socket.cs, ...).</summary>
public static unsafe partial class Libc
{
    public const int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_EXCL = 0x80, O_NOCTTY = 0x100,
        O_TRUNC = 0x200, O_APPEND = 0x400, O_NONBLOCK = 0x800, O_DIRECTORY = 0x10000, O_NOFOLLOW = 0x20000,
        O_CLOEXEC = 0x80000, O_PATH = 0x200000;
    public const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_EMPTY_PATH = 0x1000;
    public const int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, FD_CLOEXEC = 1, F_DUPFD_CLOEXEC = 1030;
    public const int F_SETPIPE_SZ = 1031, F_GETPIPE_SZ = 1032;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int openat(int dirfd, string path, int flags, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint read(int fd, byte* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint write(int fd, byte* buf, nint count);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int dup(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int dup3(int oldfd, int newfd, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc")]
    public static partial int getpid();

    [LibraryImport("libc")]
    public static partial int getppid();

    [LibraryImport("libc")]
    public static partial uint geteuid();

    [LibraryImport("libc")]
    public static partial uint getegid();

    [LibraryImport("libc")]
    public static partial uint umask(uint mask);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkdir(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rmdir(string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int unlink(string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rename(string oldpath, string newpath);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chdir(string path);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fchdir(int fd);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chown(string path, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fchown(int fd, uint uid, uint gid);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int chmod(string path, uint mode);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", SetLastError = true)]
    public static partial long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int isatty(int fd);

    // ---- small safe helpers ------------------------------------------------------------------

    public static SafeFd Open(string path, int flags, uint mode = 0) =>
        Check.Fd(Eintr.Retry(() => open(path, flags | O_CLOEXEC, mode)), "open", path);

    public static (SafeFd Read, SafeFd Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Check.Rc(pipe2(fds, O_CLOEXEC), "pipe2");
        return (new SafeFd(fds[0]), new SafeFd(fds[1]));
    }

    /// <summary>Writes all of <paramref name="data"/>, retrying short writes and EINTR.</summary>
    public static void WriteAll(SafeFd fd, ReadOnlySpan<byte> data, string what = "write")
    {
        fixed (byte* p = data)
        {
            int off = 0;
            while (off < data.Length)
            {
                nint n = write(fd.Fd, p + off, data.Length - off);
                if (n < 0)
                {
                    if (Check.LastErrno == Errno.EINTR) continue;
                    Check.Throw(what, Check.LastErrno);
                }
                off += (int)n;
            }
        }
    }

    /// <summary>One read (EINTR retried); 0 at end of file.</summary>
    public static int Read(SafeFd fd, Span<byte> buf, string what = "read")
    {
        fixed (byte* p = buf)
        {
            while (true)
            {
                nint n = read(fd.Fd, p, buf.Length);
                if (n >= 0) return (int)n;
                if (Check.LastErrno != Errno.EINTR) Check.Throw(what, Check.LastErrno);
            }
        }
    }

    /// <summary>
    /// The whole file, or null with the errno (ENOENT when it does not exist) and the syscall that failed: no
    /// exception and no FileStream, so asking after a process that may be gone (/proc/PID/...) costs a failed open,
    /// not an unwind (about 0.4 ms the first time in a NativeAOT process). Files up to 4 KiB (/proc/PID/stat,
    /// cgroup files, state.json) are read into a stack buffer.
    /// </summary>
    public static byte[]? TryReadBytes(string path, out Errno err, out string syscall)
    {
        Span<byte> buf = stackalloc byte[4096];
        int len = TryReadInto(path, buf, out err, out syscall, out int fd);
        if (len < 0) return null;
        try
        {
            while (len == buf.Length)
            {
                byte[] heap = new byte[buf.Length * 2];
                buf.CopyTo(heap);
                buf = heap;
                int n = ReadFull(fd, buf[len..], out err);
                if (n < 0)
                {
                    syscall = "read";
                    return null;
                }
                len += n;
            }
            return buf[..len].ToArray();
        }
        finally
        {
            if (fd >= 0) close(fd);
        }
    }

    /// <summary>
    /// The first <paramref name="buf"/>.Length bytes of the file at most, into <paramref name="buf"/>: their count,
    /// or -1 with the errno and the syscall that failed. For small files whose head is all a caller wants
    /// (/proc/PID/stat), or that it reads again in full when they fill the buffer; nothing is allocated.
    /// </summary>
    public static int TryReadInto(string path, Span<byte> buf, out Errno err, out string syscall) =>
        TryReadInto(path, buf, out err, out syscall, out _, keepOpen: false);

    /// <summary><see cref="TryReadInto(string, Span{byte}, out Errno, out string)"/>; with a full buffer and
    /// <paramref name="keepOpen"/>, the fd stays open for the rest (<paramref name="fd"/>, the caller's to close),
    /// else -1.</summary>
    private static int TryReadInto(string path, Span<byte> buf, out Errno err, out string syscall, out int fd,
        bool keepOpen = true)
    {
        syscall = "open";
        do fd = open(path, O_RDONLY | O_CLOEXEC, 0);
        while (fd < 0 && Check.LastErrno == Errno.EINTR);
        if (fd < 0)
        {
            err = Check.LastErrno;
            return -1;
        }
        int len = ReadFull(fd, buf, out err);
        if (len < 0) syscall = "read";
        if (len < 0 || len < buf.Length || !keepOpen)
        {
            close(fd);
            fd = -1;
        }
        return len;
    }

    /// <summary>Reads until <paramref name="buf"/> is full or the file ends (EINTR retried): the count, or -1.</summary>
    private static int ReadFull(int fd, Span<byte> buf, out Errno err)
    {
        int len = 0;
        err = Errno.OK;
        while (len < buf.Length)
        {
            nint n;
            fixed (byte* p = &buf[len]) n = read(fd, p, buf.Length - len);
            if (n == 0) break;
            if (n < 0)
            {
                if (Check.LastErrno == Errno.EINTR) continue;
                err = Check.LastErrno;
                return -1;
            }
            len += (int)n;
        }
        return len;
    }

    /// <summary>The whole file; a <see cref="SyscallException"/> naming the syscall and the path otherwise.</summary>
    public static byte[] ReadFile(string path) =>
        TryReadBytes(path, out Errno err, out string syscall) ?? throw new SyscallException(syscall, err, path);

    /// <summary><see cref="ReadFile"/> as UTF-8 text.</summary>
    public static string ReadText(string path) => System.Text.Encoding.UTF8.GetString(ReadFile(path));

    /// <summary><see cref="TryReadBytes"/> as UTF-8 text.</summary>
    public static string? TryReadText(string path, out Errno err) =>
        TryReadBytes(path, out err, out _) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    /// <summary><see cref="TryReadText(string, out Errno)"/> without the errno.</summary>
    public static string? TryReadText(string path) => TryReadText(path, out _);

    public static void SetCloexec(int fd, bool on)
    {
        int flags = Check.Rc(fcntl(fd, F_GETFD, 0), "fcntl");
        Check.Rc(fcntl(fd, F_SETFD, on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC), "fcntl");
    }
}
