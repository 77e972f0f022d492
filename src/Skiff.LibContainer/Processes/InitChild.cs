using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// A spawned `skiff init` that has not got its bootstrap message yet. create and run spawn it as soon as they are
/// in the bundle directory, before the config is read: the exec and the dynamic loading of the child (about 2 ms)
/// then overlap the config's loading and validation and the state directory's making. nsexec waits for the
/// bootstrap message; disposed unused (the config or the id was refused), the child finds its init socket closed
/// and exits without a word, and is reaped here. <see cref="ParentProcess"/> takes it over with
/// <see cref="Adopt"/>; the exec fifo and the console socket follow the config on the init socket.
/// </summary>
public sealed class InitChild : IDisposable
{
    private bool _adopted;

    private InitChild(int pid, SafeFd initSock, SyncSocket sync, LogForwarder logs, int preserveFds, bool setns)
    {
        Stage0 = pid;
        InitSock = initSock;
        Sync = sync;
        Logs = logs;
        PreserveFds = preserveFds;
        IsSetns = setns;
    }

    /// <summary>nsexec's stage 0, the spawned process.</summary>
    internal int Stage0 { get; }
    internal SafeFd InitSock { get; }
    internal SyncSocket Sync { get; }
    internal LogForwarder Logs { get; }
    /// <summary>fds 3..3+N-1 passed on to the container's process (--preserve-fds and LISTEN_FDS).</summary>
    internal int PreserveFds { get; }
    internal bool IsSetns { get; }

    /// <summary>
    /// Spawns `skiff init` from a clone of this binary the container cannot write (CVE-2019-5736): stdio, the
    /// <paramref name="preserveFds"/> fds after it, then the init socket, the sync socket and the log pipe.
    /// </summary>
    public static InitChild Spawn(int preserveFds, bool setns)
    {
        // the binary the child runs: a clone the container cannot write, made before any fd we would leak if it failed
        SafeFd exe = ExeClone.Open();
        PhaseTrace.Mark("binary clone");
        var (initParent, initChild) = Libc.SocketPair(Libc.SOCK_STREAM);
        var (syncParent, syncChild) = Libc.SocketPair(Libc.SOCK_SEQPACKET);
        var (logRead, logWrite) = Libc.Pipe();
        var logs = new LogForwarder(logRead);

        var fdMap = new List<int> { 0, 1, 2 };
        for (int i = 0; i < preserveFds; i++) fdMap.Add(3 + i);
        fdMap.Add(initChild.Fd);
        fdMap.Add(syncChild.Fd);
        fdMap.Add(logWrite.Fd);
        var env = new List<string>
        {
            $"{InitEnv.InitPipe}={3 + preserveFds}",
            $"{InitEnv.SyncPipe}={4 + preserveFds}",
            $"{InitEnv.LogPipe}={5 + preserveFds}",
            $"{InitEnv.LogLevel}={(int)Log.Level}",
            $"{InitEnv.InitType}={(setns ? "setns" : "standard")}",
        };
        if (PhaseTrace.On) env.Add($"{PhaseTrace.InitEnvName}={PhaseTrace.Zero}");

        int pid;
        try
        {
            pid = Spawner.Spawn("/proc/self/exe", ["skiff", "init"], env, fdMap, exe);
        }
        catch
        {
            exe.Dispose();
            initParent.Dispose();
            syncParent.Dispose();
            logRead.Dispose();
            throw;
        }
        finally
        {
            initChild.Dispose();
            syncChild.Dispose();
            logWrite.Dispose();
        }
        // the child runs the clone through its own reference now; dropping ours waits out an RCU grace period
        // (dissolving the detached mount), so the forwarder's thread does it while the child boots
        logs.Start(release: exe);
        PhaseTrace.Mark("spawned init");
        return new InitChild(pid, initParent, new SyncSocket(syncParent, "parent"), logs, preserveFds, setns);
    }

    /// <summary>The caller (<see cref="ParentProcess.Start"/>) owns the process and the sockets from now on.</summary>
    internal void Adopt() => _adopted = true;

    /// <summary>Unused: closes the sockets (nsexec exits quietly on the closed init socket), kills and reaps.</summary>
    public void Dispose()
    {
        if (_adopted) return;
        _adopted = true;
        InitSock.Dispose();
        Sync.Dispose();
        Libc.kill(Stage0, 9);
        Libc.WaitExit(Stage0);
    }
}
