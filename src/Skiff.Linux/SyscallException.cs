namespace Skiff.Linux;

/// <summary>A failed syscall: its name, errno and (where it has one) the path. Message is Go's PathError form.</summary>
public sealed class SyscallException : Exception
{
    public SyscallException(string syscall, Errno errno, string? path = null)
        : base(path is null ? $"{syscall}: {errno.Text()}" : $"{syscall} {path}: {errno.Text()}")
    {
        Syscall = syscall;
        Errno = errno;
        Path = path;
        HResult = (int)errno;
    }

    public string Syscall { get; }
    public Errno Errno { get; }
    public string? Path { get; }
}
