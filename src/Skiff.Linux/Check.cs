using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>Turns a -1 return into a <see cref="SyscallException"/> naming the syscall and path.</summary>
public static class Check
{
    public static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();

    public static int Rc(int rc, string syscall, string? path = null)
    {
        if (rc < 0) Throw(syscall, LastErrno, path);
        return rc;
    }

    public static long Rc(long rc, string syscall, string? path = null)
    {
        if (rc < 0) Throw(syscall, LastErrno, path);
        return rc;
    }

    public static nint Rc(nint rc, string syscall, string? path = null)
    {
        if (rc < 0) Throw(syscall, LastErrno, path);
        return rc;
    }

    /// <summary>Wraps an fd-returning call's result in a <see cref="SafeFd"/>.</summary>
    public static SafeFd Fd(int rc, string syscall, string? path = null)
    {
        if (rc < 0) Throw(syscall, LastErrno, path);
        return new SafeFd(rc);
    }

    /// <summary>0 on success, otherwise the errno (for expected failures: ENOENT probes, ESRCH, EBUSY).</summary>
    public static Errno Try(int rc) => rc < 0 ? LastErrno : Errno.OK;

    [DoesNotReturn]
    public static void Throw(string syscall, Errno errno, string? path = null) =>
        throw new SyscallException(syscall, errno, path);
}
