namespace Skiff.LibContainer.Wire;

/// <summary>
/// Environment variables the parent gives `skiff init` (runc's _LIBCONTAINER_*). The fds are placed by the
/// spawner after stdio and the preserved fds: 3+N init socket, then sync socket, log pipe, exec fifo, console.
/// </summary>
public static class InitEnv
{
    /// <summary>Init socket fd: bootstrap data (read by nsexec), then the InitConfig (length-prefixed JSON).</summary>
    public const string InitPipe = "_SKIFF_INITPIPE";
    /// <summary>Sync socket fd (SOCK_SEQPACKET): procHooks/procReady/... one JSON message per packet.</summary>
    public const string SyncPipe = "_SKIFF_SYNCPIPE";
    /// <summary>Log pipe fd: JSON log lines to the parent.</summary>
    public const string LogPipe = "_SKIFF_LOGPIPE";
    /// <summary>logrus level number (0 panic … 6 trace).</summary>
    public const string LogLevel = "_SKIFF_LOGLEVEL";
    /// <summary>fd of the exec fifo opened O_PATH (init only; not for setns).</summary>
    public const string FifoFd = "_SKIFF_FIFOFD";
    /// <summary>fd of the console socket (only when process.terminal).</summary>
    public const string ConsoleFd = "_SKIFF_CONSOLE";
    /// <summary>A shared library nsexec loads before joining any namespace (libseccomp for exec).</summary>
    public const string Preload = "_SKIFF_PRELOAD";
    /// <summary>"init" or "setns".</summary>
    public const string InitType = "_SKIFF_INITTYPE";
}
