using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>An exclusive flock on a container's state directory: create, start and delete of one id serialize.</summary>
internal sealed class StateLock : IDisposable
{
    private readonly SafeFd _fd;

    private StateLock(SafeFd fd) => _fd = fd;

    public static StateLock Acquire(string stateDir)
    {
        var fd = Libc.Open(stateDir, Libc.O_RDONLY | Libc.O_DIRECTORY);
        Check.Rc(Eintr.Retry(() => Libc.flock(fd.Fd, Libc.LOCK_EX)), "flock", stateDir);
        return new StateLock(fd);
    }

    /// <summary>Like <see cref="Acquire"/>, but a missing directory means the container does not exist.</summary>
    public static StateLock AcquireExisting(string stateDir, string id)
    {
        try
        {
            return Acquire(stateDir);
        }
        catch (SyscallException ex) when (ex.Errno is Errno.ENOENT)
        {
            throw new ContainerNotExistException(id);
        }
    }

    public void Dispose() => _fd.Dispose();
}
