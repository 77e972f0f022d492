using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>
/// posix_spawn(3) and its attribute/file-action setters. The opaque glibc objects are passed as native
/// buffers (<see cref="SpawnFileActionsSize"/>, <see cref="SpawnAttrSize"/>, <see cref="SigsetSize"/> bytes on
/// x86_64). These functions return an error number instead of setting errno.
/// </summary>
public static unsafe partial class Libc
{
    public const short POSIX_SPAWN_RESETIDS = 0x01, POSIX_SPAWN_SETPGROUP = 0x02, POSIX_SPAWN_SETSIGDEF = 0x04,
        POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;

    /// <summary>sizeof(posix_spawn_file_actions_t), sizeof(posix_spawnattr_t), sizeof(sigset_t) in glibc x86_64.</summary>
    public const int SpawnFileActionsSize = 80, SpawnAttrSize = 336, SigsetSize = 128;

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn(out int pid, string path, nint fileActions, nint attr, nint argv, nint envp);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_init(nint fileActions);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_destroy(nint fileActions);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_adddup2(nint fileActions, int fd, int newfd);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_addclose(nint fileActions, int fd);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn_file_actions_addopen(nint fileActions, int fd, string path, int oflag, uint mode);

    /// <summary>glibc 2.34+: closes every fd &gt;= <paramref name="from"/> in the child (close_range).</summary>
    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_addclosefrom_np(nint fileActions, int from);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_init(nint attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_destroy(nint attr);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setflags(nint attr, short flags);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigmask(nint attr, nint sigset);

    [LibraryImport("libc")]
    public static partial int posix_spawnattr_setsigdefault(nint attr, nint sigset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sigemptyset(nint sigset);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int sigfillset(nint sigset);

    /// <summary>Throws for a non-zero error number returned by a posix_spawn* function.</summary>
    public static void CheckSpawn(int err, string function, string? path = null)
    {
        if (err != 0) Check.Throw(function, (Errno)err, path);
    }
}
