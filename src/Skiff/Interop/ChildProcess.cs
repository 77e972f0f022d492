namespace Skiff.Interop;

/// <summary>A process the library started (the helper binary): pid, pidfd, and its exit as a task.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly SafeFdHandle _pidfd;

    private ChildProcess(int pid, SafeFdHandle pidfd)
    {
        Pid = pid;
        _pidfd = pidfd;
        Exited = PidfdWatcher.WaitAsync(pidfd);
    }

    public int Pid { get; }

    /// <summary>Completes with the exit code (128+N when killed by signal N) once the child is reaped.</summary>
    public Task<int> Exited { get; }

    public static ChildProcess Start(string path, IReadOnlyList<string> args, IReadOnlyList<System.Runtime.InteropServices.SafeHandle> fds)
    {
        int pid = Spawner.Spawn(path, args, fds);
        // the child is ours and nothing here reaps with waitpid(-1): the pid cannot be reused before this
        int fd = Native.pidfd_open(pid);
        if (fd < 0) throw Native.Error("pidfd_open", System.Runtime.InteropServices.Marshal.GetLastPInvokeError());
        return new ChildProcess(pid, new SafeFdHandle(fd));
    }

    /// <summary>Sends <paramref name="signal"/> unless the child has already exited.</summary>
    public void Signal(int signal)
    {
        if (Exited.IsCompleted) return;
        bool added = false;
        _pidfd.DangerousAddRef(ref added);
        try
        {
            if (Native.pidfd_send_signal(_pidfd.Fd, signal) < 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno != Native.ESRCH) throw Native.Error("pidfd_send_signal", errno);
            }
        }
        finally
        {
            _pidfd.DangerousRelease();
        }
    }

    public void Dispose() => _pidfd.Dispose();
}
