using System.Diagnostics.CodeAnalysis;
using Skiff.Linux;

namespace Skiff.LibContainer.Init;

/// <summary>runc's system.Exec at the end of init, with what a .NET process has to clean up first.</summary>
internal static class FinalExec
{
    /// <summary>
    /// Marks every fd &gt;= 3 + <paramref name="preserveFds"/> close-on-exec (the runtime's own fds, e.g. its signal
    /// pipe, must not reach the container: CVE-2024-21626), unblocks all signals on this thread, resets ignored
    /// dispositions (the runtime ignores SIGPIPE) to SIG_DFL, then execve. Only returns by throwing
    /// (<c>exec /bin/x: permission denied</c>). Call on the thread that set the capabilities, no_new_privs and
    /// seccomp.
    /// </summary>
    [DoesNotReturn]
    public static void Exec(string path, IReadOnlyList<string> args, IReadOnlyList<string> env, int preserveFds)
    {
        Libc.MarkCloexecFrom(3 + preserveFds, s_fdDir);
        Libc.UnblockAllSignals();
        Libc.ResetIgnoredSignals();
        Libc.Execve(path, args, env);
        throw new System.Diagnostics.UnreachableException();
    }

    private static SafeFd? s_fdDir;

    /// <summary>
    /// Opens this process's fd directory through the verified procfs (a /proc path may be the image's here), before
    /// the seccomp filter is loaded (which may refuse openat2 and fstatfs): the close-on-exec walk reads it when the
    /// filter refuses close_range. Close-on-exec itself.
    /// </summary>
    internal static void OpenFdDir() =>
        s_fdDir ??= Rootfs.ProcfsHandle.Shared.OpenBeneath("thread-self/fd", Libc.O_RDONLY | Libc.O_DIRECTORY);

    /// <summary>What <see cref="OpenFdDir"/> opened (null before).</summary>
    internal static SafeFd? FdDir => s_fdDir;
}
