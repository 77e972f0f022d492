using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Linux;

public static unsafe partial class Libc
{
    public const int SIG_BLOCK = 0, SIG_UNBLOCK = 1, SIG_SETMASK = 2;
    public const int SIGKILL = 9, SIGSTOP = 19, NSIG = 65;
    public const int X_OK = 1, AT_EACCESS = 0x200;
    private const int SigsetBytes = 128;      // glibc sigset_t
    private const int SigactionBytes = 152;   // glibc struct sigaction on x86_64; sa_handler is the first field

    [LibraryImport("libc", SetLastError = true)]
    public static partial int execve(byte* path, byte** argv, byte** envp);

    [LibraryImport("libc")]
    public static partial int pthread_sigmask(int how, void* set, void* oldset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sigaction(int sig, void* act, void* oldact);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int close_range(uint first, uint last, int flags);

    public const int CLOSE_RANGE_CLOEXEC = 4;

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint getdents64(int fd, byte* buf, nuint count);

    /// <summary>
    /// Marks every open fd &gt;= <paramref name="minFd"/> close-on-exec: close_range(CLOSE_RANGE_CLOEXEC) (5.11+), else
    /// each fd listed in the process's fd directory (runc's CloseExecFrom). Any close_range failure falls back to the
    /// walk: an old kernel (ENOSYS, EINVAL) and a seccomp profile older than close_range (its default errno, e.g.
    /// EPERM) alike. <paramref name="fdDir"/> is that directory, opened by the caller (skiff init: through its
    /// verified procfs, before its seccomp filter, since a /proc path may be the image's there), read from its start;
    /// without one, /proc/self/fd.
    /// </summary>
    public static void MarkCloexecFrom(int minFd, SafeFd? fdDir = null)
    {
        if (close_range((uint)minFd, uint.MaxValue, CLOSE_RANGE_CLOEXEC) == 0) return;
        if (fdDir is not null)
        {
            Rewind(fdDir);
            MarkCloexecListed(fdDir, minFd);
            return;
        }
        using SafeFd dir = Open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
        MarkCloexecListed(dir, minFd);
    }

    /// <summary>The walk of <see cref="MarkCloexecFrom"/>: every fd &gt;= <paramref name="minFd"/> listed in
    /// <paramref name="dir"/> (an fd directory, read with getdents64) but the directory's own.</summary>
    public static void MarkCloexecListed(SafeFd dir, int minFd)
    {
        byte* buf = stackalloc byte[4096];
        while (true)
        {
            nint n = getdents64(dir.Fd, buf, 4096);
            if (n < 0) Check.Throw("getdents64", Check.LastErrno, "fd directory");
            if (n == 0) return;
            // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
            for (nint off = 0; off < n; off += *(ushort*)(buf + off + 16))
            {
                // the name is NUL-terminated within its record (reclen bytes, padded)
                var name = new ReadOnlySpan<byte>(buf + off + 19, *(ushort*)(buf + off + 16) - 19);
                int nul = name.IndexOf((byte)0);
                if (nul >= 0) name = name[..nul];
                if (!System.Buffers.Text.Utf8Parser.TryParse(name, out int fd, out int used) || used != name.Length) continue;
                if (fd < minFd || fd == dir.Fd) continue;
                int flags = fcntl(fd, F_GETFD, 0);
                if (flags < 0) continue; // closed meanwhile
                Check.Rc(fcntl(fd, F_SETFD, flags | FD_CLOEXEC), "fcntl");
            }
        }
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int faccessat(int dirfd, string path, int mode, int flags);

    /// <summary>
    /// Unblocks every signal on the calling thread (the mask survives execve, and it is the thread that execs).
    /// glibc keeps its own internal signals out of the mask.
    /// </summary>
    public static void UnblockAllSignals()
    {
        byte* set = stackalloc byte[SigsetBytes];
        new Span<byte>(set, SigsetBytes).Clear();
        int rc = pthread_sigmask(SIG_SETMASK, set, null);
        if (rc != 0) Check.Throw("pthread_sigmask", (Errno)rc);
    }

    /// <summary>pthread_sigmask(<paramref name="how"/>) with signals 1-64 as a bit mask (bit n-1 = signal n).</summary>
    public static void ChangeSignalMask(int how, ulong mask)
    {
        byte* set = stackalloc byte[SigsetBytes];
        new Span<byte>(set, SigsetBytes).Clear();
        *(ulong*)set = mask;
        int rc = pthread_sigmask(how, set, null);
        if (rc != 0) Check.Throw("pthread_sigmask", (Errno)rc);
    }

    /// <summary>The current signal mask of the calling thread as a 64-bit mask (bit n-1 = signal n).</summary>
    public static ulong GetSignalMask()
    {
        byte* set = stackalloc byte[SigsetBytes];
        int rc = pthread_sigmask(SIG_BLOCK, null, set);
        if (rc != 0) Check.Throw("pthread_sigmask", (Errno)rc);
        return *(ulong*)set;
    }

    /// <summary>Whether <paramref name="sig"/>'s disposition is SIG_IGN (false for signals glibc reserves).</summary>
    public static bool IsSignalIgnored(int sig)
    {
        byte* old = stackalloc byte[SigactionBytes];
        if (sigaction(sig, null, old) < 0) return false;
        return *(nint*)old == 1; // SIG_IGN
    }

    /// <summary>
    /// Resets every ignored signal to SIG_DFL (ignored dispositions survive execve; the .NET runtime ignores
    /// SIGPIPE). Caught signals need nothing: execve resets handlers to the default itself, and leaving the
    /// runtime's handlers in place until then keeps it working. Returns how many were reset.
    /// </summary>
    public static int ResetIgnoredSignals()
    {
        byte* act = stackalloc byte[SigactionBytes];
        byte* old = stackalloc byte[SigactionBytes];
        new Span<byte>(act, SigactionBytes).Clear(); // sa_handler = SIG_DFL (0), empty mask, no flags
        int reset = 0;
        for (int sig = 1; sig < NSIG; sig++)
        {
            if (sig == SIGKILL || sig == SIGSTOP) continue;
            if (sigaction(sig, null, old) < 0) continue; // EINVAL for glibc's reserved 32/33
            if (*(nint*)old != 1) continue;
            Check.Rc(sigaction(sig, act, null), "sigaction");
            reset++;
        }
        return reset;
    }

    /// <summary>faccessat(AT_FDCWD, path, X_OK, AT_EACCESS): Go's unix.Eaccess as runc uses it.</summary>
    public static Errno Eaccess(string path, int mode = X_OK) =>
        Check.Try(faccessat(AT_FDCWD, path, mode, AT_EACCESS));

    /// <summary>
    /// execve(2). Only returns by throwing <see cref="SyscallException"/> ("exec" with the path, as Go's
    /// os.PathError from syscall.Exec in runc). Strings holding NUL fail with EINVAL as in Go.
    /// </summary>
    public static void Execve(string path, IReadOnlyList<string> args, IReadOnlyList<string> env)
    {
        if (path.Contains('\0')) Check.Throw("exec", Errno.EINVAL, path);
        byte* cpath = ToCString(path);
        byte** argv = ToCStringArray(args, path);
        byte** envp = ToCStringArray(env, path);
        int rc;
        while ((rc = execve(cpath, argv, envp)) < 0 && Check.LastErrno == Errno.EINTR) { }
        Errno e = Check.LastErrno;
        FreeCStringArray(argv);
        FreeCStringArray(envp);
        NativeMemory.Free(cpath);
        Check.Throw("exec", e, path);
    }

    private static byte* ToCString(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }

    private static byte** ToCStringArray(IReadOnlyList<string> list, string path)
    {
        foreach (string s in list)
            if (s.Contains('\0')) Check.Throw("exec", Errno.EINVAL, path);
        byte** arr = (byte**)NativeMemory.AllocZeroed((nuint)(list.Count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < list.Count; i++) arr[i] = ToCString(list[i]);
        return arr;
    }

    private static void FreeCStringArray(byte** arr)
    {
        for (byte** p = arr; *p != null; p++) NativeMemory.Free(*p);
        NativeMemory.Free(arr);
    }
}
