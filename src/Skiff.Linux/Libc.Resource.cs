using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>struct rlimit (rlim_t is 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct Rlimit
{
    public ulong Cur;
    public ulong Max;
}

public static unsafe partial class Libc
{
    public const ulong RLIM_INFINITY = ulong.MaxValue;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int prlimit(int pid, int resource, Rlimit* newLimit, Rlimit* oldLimit);

    /// <summary>prlimit(pid, resource, new, NULL); returns the errno (the caller words the error as runc).</summary>
    public static Errno TrySetRlimit(int pid, int resource, Rlimit limit) =>
        Check.Try(prlimit(pid, resource, &limit, null));

    public static Rlimit GetRlimit(int pid, int resource)
    {
        Rlimit old;
        Check.Rc(prlimit(pid, resource, null, &old), "prlimit");
        return old;
    }
}
