namespace Skiff.LibContainer.Wire;

/// <summary>
/// Environment variables the parent gives `skiff init` (runc's _LIBCONTAINER_*). The fds are placed by the
/// spawner after stdio and the preserved fds: 3+N init socket, then sync socket, log pipe. The exec fifo and the
/// console socket follow the config on the init socket (init is spawned before the config is read).
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
    /// <summary>"init" or "setns".</summary>
    public const string InitType = "_SKIFF_INITTYPE";

    /// <summary>Set for an init nsexec's constructor spawned for a run or create (nsexec.c, speculate).</summary>
    public const string Speculate = "_SKIFF_SPECULATE";

    /// <summary>For an init nsexec's constructor spawned for an exec: the container's state.json, or empty
    /// (nsexec.c, speculate_setns).</summary>
    public const string SpeculateState = "_SKIFF_SPECULATE_STATE";
}

/// <summary>The byte that follows the config on the init socket: which fds come with it (SCM_RIGHTS, in this
/// order).</summary>
public static class InitFds
{
    public const byte Fifo = 1, Console = 2;
}
