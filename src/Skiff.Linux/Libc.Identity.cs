using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>The parts of struct stat that identify a file and its owner.</summary>
public readonly record struct FileIds(ulong Dev, ulong Ino, uint Mode, uint Uid, uint Gid, ulong Rdev)
{
    public const uint S_IFMT = 0xF000, S_IFDIR = 0x4000, S_IFREG = 0x8000, S_IFCHR = 0x2000;
    public bool IsDir => (Mode & S_IFMT) == S_IFDIR;
    public bool IsRegular => (Mode & S_IFMT) == S_IFREG;
    public bool IsCharDevice => (Mode & S_IFMT) == S_IFCHR;
    /// <summary>Major number of st_rdev (glibc's gnu_dev_major).</summary>
    public uint RdevMajor => (uint)(((Rdev >> 32) & 0xFFFFF000) | ((Rdev >> 8) & 0xFFF));
    /// <summary>Minor number of st_rdev (glibc's gnu_dev_minor).</summary>
    public uint RdevMinor => (uint)(((Rdev >> 12) & 0xFFFFFF00) | (Rdev & 0xFF));
    /// <summary>The kernel's null device (char 1:3), wherever its node is.</summary>
    public bool IsDevNull => IsCharDevice && RdevMajor == 1 && RdevMinor == 3;
}

/// <summary>
/// Credentials. We call glibc's setresuid/setresgid/setgroups, not the raw syscalls: in glibc these are "setxid"
/// calls that apply the change to every thread of the process (via the internal SIGSETXID signal), which is what
/// a multi-threaded .NET process needs: a raw syscall would change only the calling thread and leave the runtime's
/// other threads as root. This is also what runc gets from Go (syscall.Setuid etc. use AllThreadsSyscall).
/// Capabilities and PR_SET_KEEPCAPS, in contrast, stay per-thread: the other threads lose their capabilities on
/// the switch, the calling thread (the one that execs) keeps its permitted set when keepcaps is on.
/// </summary>
public static unsafe partial class Libc
{
    private const int StatBytes = 144; // struct stat on x86_64

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setresuid(uint ruid, uint euid, uint suid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setresgid(uint rgid, uint egid, uint sgid);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setgroups(nuint size, uint* list);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getgroups(int size, uint* list);

    [LibraryImport("libc")]
    public static partial uint getuid();

    [LibraryImport("libc")]
    public static partial uint getgid();

    [LibraryImport("libc", SetLastError = true, EntryPoint = "fstat")]
    private static partial int fstat_ids(int fd, byte* buf);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8, EntryPoint = "stat")]
    private static partial int stat_ids(string path, byte* buf);

    /// <summary>setgroups(2) on all threads; an empty list clears the supplementary groups.</summary>
    public static void SetGroups(ReadOnlySpan<uint> gids)
    {
        fixed (uint* p = gids)
            Check.Rc(setgroups((nuint)gids.Length, gids.Length == 0 ? null : p), "setgroups");
    }

    public static uint[] GetGroups()
    {
        int n = Check.Rc(getgroups(0, null), "getgroups");
        uint[] list = new uint[n];
        fixed (uint* p = list)
            n = Check.Rc(getgroups(n, p), "getgroups");
        return list[..n];
    }

    public static FileIds FstatIds(int fd)
    {
        byte* st = stackalloc byte[StatBytes];
        Check.Rc(fstat_ids(fd, st), "fstat");
        return IdsFrom(st);
    }

    /// <summary>stat(2) (follows symlinks).</summary>
    public static FileIds StatIds(string path)
    {
        byte* st = stackalloc byte[StatBytes];
        Check.Rc(stat_ids(path, st), "stat", path);
        return IdsFrom(st);
    }

    /// <summary>stat(2) returning the errno instead of throwing.</summary>
    public static Errno TryStatIds(string path, out FileIds ids)
    {
        byte* st = stackalloc byte[StatBytes];
        Errno e = Check.Try(stat_ids(path, st));
        ids = e == Errno.OK ? IdsFrom(st) : default;
        return e;
    }

    private static FileIds IdsFrom(byte* st) => new(
        *(ulong*)st, *(ulong*)(st + 8), *(uint*)(st + 24), *(uint*)(st + 28), *(uint*)(st + 32), *(ulong*)(st + 40));
}
