using System.Runtime.InteropServices;

namespace Skiff.Linux;

// posix_spawn for hooks (and other short helper processes): no managed code between fork and exec. The names
// carry a "Hook" prefix so this file cannot clash with the general spawner in Libc.Spawn.cs; the lead may fold
// them together.
public static unsafe partial class Libc
{

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    private static partial int hook_posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    private static partial int hook_fa_init(void* fa);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2")]
    private static partial int hook_fa_adddup2(void* fa, int fd, int newfd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    private static partial int hook_fa_destroy(void* fa);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    private static partial int hook_attr_init(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    private static partial int hook_attr_setflags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask")]
    private static partial int hook_attr_setsigmask(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault")]
    private static partial int hook_attr_setsigdefault(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    private static partial int hook_attr_destroy(void* attr);

    [LibraryImport("libc", EntryPoint = "sigemptyset")]
    private static partial int hook_sigemptyset(void* set);

    [LibraryImport("libc", EntryPoint = "sigaddset")]
    private static partial int hook_sigaddset(void* set, int sig);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    private static partial int hook_waitpid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int hook_memfd_create(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long hook_lseek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int hook_poll(void* fds, nuint nfds, int timeout);

    /// <summary>An anonymous in-memory file (close-on-exec) for a helper's stdin/stdout/stderr.</summary>
    public static SafeFd HookMemfd(string name) => Check.Fd(hook_memfd_create(name, MFD_CLOEXEC), "memfd_create", name);

    /// <summary>Seeks <paramref name="fd"/> back to its start.</summary>
    public static void HookRewind(SafeFd fd) => Check.Rc(hook_lseek(fd.Fd, 0, 0), "lseek");

    /// <summary>
    /// posix_spawn(path, argv, envp) with stdin/stdout/stderr dup2'ed from the given fds, an empty signal mask and
    /// default dispositions (the runtime ignores SIGPIPE; a hook must not inherit that). Returns 0 or the errno.
    /// </summary>
    public static Errno HookSpawn(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp,
        int stdinFd, int stdoutFd, int stderrFd, out int pid)
    {
        pid = -1;
        var strings = new List<nint>();
        try
        {
            byte* cpath = Utf8(path, strings);
            byte** cargv = stackalloc byte*[argv.Count + 1];
            for (int i = 0; i < argv.Count; i++) cargv[i] = Utf8(argv[i], strings);
            cargv[argv.Count] = null;
            byte** cenv = (byte**)NativeMemory.Alloc((nuint)(envp.Count + 1), (nuint)sizeof(nint));
            strings.Add((nint)cenv);
            for (int i = 0; i < envp.Count; i++) cenv[i] = Utf8(envp[i], strings);
            cenv[envp.Count] = null;

            byte* fa = stackalloc byte[256];   // posix_spawn_file_actions_t is 80 bytes on glibc x86_64
            byte* attr = stackalloc byte[512]; // posix_spawnattr_t is 336 bytes
            byte* mask = stackalloc byte[128]; // sigset_t
            byte* defaults = stackalloc byte[128];
            hook_fa_init(fa);
            hook_attr_init(attr);
            try
            {
                hook_fa_adddup2(fa, stdinFd, 0);
                hook_fa_adddup2(fa, stdoutFd, 1);
                hook_fa_adddup2(fa, stderrFd, 2);
                hook_sigemptyset(mask);
                hook_sigemptyset(defaults);
                for (int sig = 1; sig <= 64; sig++)
                    if (sig is not (9 or 19 or 32 or 33)) hook_sigaddset(defaults, sig);
                hook_attr_setsigmask(attr, mask);
                hook_attr_setsigdefault(attr, defaults);
                hook_attr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
                int p;
                int rc = hook_posix_spawn(&p, cpath, fa, attr, cargv, cenv);
                if (rc != 0) return (Errno)rc;
                pid = p;
                return Errno.OK;
            }
            finally
            {
                hook_fa_destroy(fa);
                hook_attr_destroy(attr);
            }
        }
        finally
        {
            foreach (nint s in strings) NativeMemory.Free((void*)s);
        }
    }

    private static byte* Utf8(string s, List<nint> owned)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        owned.Add((nint)p);
        System.Text.Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        return p;
    }

    /// <summary>
    /// Waits for child <paramref name="pid"/> (waitpid on that pid only). With a timeout (ms, or -1 for none) it
    /// SIGKILLs the child when the time runs out, reaps it, and sets <paramref name="timedOut"/>.
    /// Returns the raw wait status.
    /// </summary>
    public static int HookWait(int pid, int timeoutMs, out bool timedOut)
    {
        timedOut = false;
        if (timeoutMs >= 0 && !WaitReadable(pid, timeoutMs))
        {
            timedOut = true;
            kill(pid, 9);
        }
        int status;
        while (true)
        {
            int rc = hook_waitpid(pid, &status, 0);
            if (rc >= 0) return status;
            if (Check.LastErrno != Errno.EINTR) Check.Throw("waitpid", Check.LastErrno);
        }
    }

    // True when the child exited within the timeout (it is not reaped).
    private static bool WaitReadable(int pid, int timeoutMs)
    {
        long deadline = Environment.TickCount64 + timeoutMs;
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0, 0, 0, 0, 0);
        if (pidfd >= 0)
        {
            try
            {
                long* pfd = stackalloc long[1]; // struct pollfd { int fd; short events; short revents; }
                while (true)
                {
                    int left = (int)Math.Max(0, deadline - Environment.TickCount64);
                    ((int*)pfd)[0] = pidfd;
                    ((short*)pfd)[2] = POLLIN;
                    ((short*)pfd)[3] = 0;
                    int rc = hook_poll(pfd, 1, left);
                    if (rc > 0) return true;
                    if (rc == 0) return false;
                    if (Check.LastErrno != Errno.EINTR) Check.Throw("poll", Check.LastErrno);
                }
            }
            finally { close(pidfd); }
        }
        // No pidfd (old kernel): poll with WNOWAIT-free probing is not possible via waitpid, so sleep-poll /proc.
        while (Environment.TickCount64 < deadline)
        {
            if (IsZombieOrGone(pid)) return true;
            Thread.Sleep(10);
        }
        return IsZombieOrGone(pid);
    }

    private static bool IsZombieOrGone(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            return close < 0 || close + 2 >= stat.Length || stat[close + 2] == 'Z';
        }
        catch (IOException) { return true; }
    }
}
