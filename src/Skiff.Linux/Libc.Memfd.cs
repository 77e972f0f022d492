using System.Runtime.InteropServices;

namespace Skiff.Linux;

/// <summary>Anonymous in-memory files (memfd_create) and seeking: a child's captured stdio, exported BPF.</summary>
public static unsafe partial class Libc
{
    public const uint MFD_CLOEXEC = 1;
    public const int SEEK_SET = 0;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int memfd_create(string name, uint flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial long lseek(int fd, long offset, int whence);

    /// <summary>A close-on-exec anonymous file named <paramref name="name"/> (shown as memfd:NAME).</summary>
    public static SafeFd MemfdCreate(string name) =>
        Check.Fd(memfd_create(name, MFD_CLOEXEC), "memfd_create", name);

    /// <summary>Seeks <paramref name="fd"/> back to offset 0.</summary>
    public static void Rewind(SafeFd fd) => Check.Rc(lseek(fd.Fd, 0, SEEK_SET), "lseek");
}
