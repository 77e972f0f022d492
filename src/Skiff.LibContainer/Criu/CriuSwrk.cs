using Google.Protobuf;
using Skiff.LibContainer.Criu.Rpc;
using Skiff.LibContainer.Init;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Criu;

/// <summary>
/// One conversation with `criu swrk 3` (runc's criuSwrk): criu is spawned with one end of a SOCK_SEQPACKET
/// socketpair as fd 3, gets one criu_req, and answers with criu_resp messages. NOTIFY responses (criu's action
/// scripts: pre-dump, post-dump, network-lock, setup-namespaces, post-restore, orphan-pts-master...) go to the
/// caller's handler and are acknowledged with notify_success; the first other response ends the exchange.
/// </summary>
/// <remarks>
/// Protocol, one message per datagram:
/// <code>
///   skiff                                   criu swrk
///     |  criu_req{type, opts}  ----------->   |
///     |  &lt;-----  criu_resp{NOTIFY, notify{script, pid}} [SCM_RIGHTS for orphan-pts-master]
///     |  criu_req{NOTIFY, notify_success} -->|   (repeated per script)
///     |  &lt;-----  criu_resp{type, success, cr_errno, cr_errmsg}
///     |  shutdown(SHUT_WR); waitpid(criu)     |
/// </code>
/// </remarks>
internal sealed class CriuSwrk
{
    /// <summary>runc reads into 10 pages; a longer response is an error.</summary>
    private const int BufferSize = 10 * 4096;

    /// <summary>The criu binary, searched in PATH as exec.Command("criu") does.</summary>
    public static string FindBinary()
    {
        try
        {
            return ExecLookup.LookPath("criu", Environment.GetEnvironmentVariable("PATH"));
        }
        catch (Exception ex)
        {
            throw new ContainerException("exec: \"criu\"", ex);
        }
    }

    /// <summary>Called with criu's pid right after it was spawned, before the request is sent (restore puts
    /// criu into the container's cgroups here).</summary>
    public Action<int>? OnStarted { get; init; }

    /// <summary>Handles one NOTIFY (its script, pid, and the fds that came with it, which the handler owns).</summary>
    public Action<criu_notify, SafeFd[]>? OnNotify { get; init; }

    /// <summary>Restore: criu gets this process's fds 0..2, which the restored process inherits. Otherwise criu's
    /// stdio is /dev/null (as exec.Cmd without stdio in runc).</summary>
    public bool InheritStdio { get; init; }

    /// <summary>fds passed to criu from fd 4 on (external namespaces for inherit_fd).</summary>
    public IReadOnlyList<SafeFd> ExtraFiles { get; init; } = [];

    /// <summary>
    /// Asked every <see cref="WatchdogTickMs"/> while criu has not answered: a reason when criu has failed without
    /// being able to say so (criu 4.2 killing a restored tree it still traces waits forever for it), else null.
    /// criu gets <see cref="WatchdogGraceMs"/> more to answer; then it is killed and the reason is the error.
    /// </summary>
    public Func<string?>? Watchdog { get; init; }

    /// <summary>criu's work directory (the images directory when no work path is given): where a killed criu
    /// leaves its cgroup yard mounted.</summary>
    public string WorkDirectory { get; init; } = "";

    internal const int WatchdogTickMs = 500;
    internal const int WatchdogGraceMs = 5000;

    /// <summary>The watchdog's reason once it has fired: criu is killed rather than asked to stop.</summary>
    private string? _gaveUp;

    /// <summary>Sends <paramref name="req"/> and runs the exchange; returns criu's final response.</summary>
    public criu_resp Run(criu_req req)
    {
        string criu = FindBinary();
        var (client, server) = Libc.SocketPair(Libc.SOCK_SEQPACKET);
        int pid;
        using (client)
        {
            using (server)
            using (SafeFd? devNull = InheritStdio ? null : Libc.Open("/dev/null", Libc.O_RDWR))
            {
                int[] stdio = devNull is null ? [0, 1, 2] : [devNull.Fd, devNull.Fd, devNull.Fd];
                var fdMap = new List<int> { stdio[0], stdio[1], stdio[2], server.Fd };
                foreach (var f in ExtraFiles) fdMap.Add(f.Fd);
                pid = Spawner.Spawn(criu, ["criu", "swrk", "3"], EnvironmentList(), fdMap);
            }
            bool waited = false;
            // a checkpoint or restore told to stop (^C, SIGTERM) stops criu, which releases a tree it has seized,
            // instead of leaving it behind waiting, for a lazy-pages daemon say, with the tree stopped
            using var forward = new SignalForwarder(pid);
            try
            {
                OnStarted?.Invoke(pid);
                var resp = Exchange(client, req);
                Libc.Shutdown(client, Libc.SHUT_WR);
                int status = Libc.WaitExit(pid);
                waited = true;
                // a single pre-dump leaves criu waiting for the next request: its exit status means nothing
                if (status != 0 && req.Type != criu_req_type.PreDump)
                    throw new ContainerException($"criu failed: {ExitText(status)}");
                return resp;
            }
            catch (Exception ex) when (!waited)
            {
                // criu sees EOF and gives up (a dump resumes the tasks); one the watchdog gave up on cannot
                if (_gaveUp is not null) Libc.kill(pid, 9);
                client.Dispose();
                int status = 0;
                try { status = Libc.WaitExit(pid); } catch (Exception wex) { Log.Warn($"wait on criu: {ErrorText.Render(wex)}"); }
                if (_gaveUp is not null)
                {
                    RemoveCgroupYards(WorkDirectory);
                    throw;
                }
                // killed by a signal (ours, forwarded): say so before what the exchange saw of it
                if (status > 128) throw new ContainerException($"criu failed: {ExitText(status)}", ex);
                throw;
            }
        }
    }

    private criu_resp Exchange(SafeFd sock, criu_req req)
    {
        Send(sock, req);
        byte[] buf = new byte[BufferSize];
        Span<int> fds = stackalloc int[Libc.MaxFdsPerMessage];
        while (true)
        {
            AwaitAnswer(sock);
            int n = Libc.RecvWithFds(sock, buf, fds, out int count, out _);
            var received = new SafeFd[count];
            for (int i = 0; i < count; i++) received[i] = new SafeFd(fds[i]);
            try
            {
                if (n == 0) throw new ContainerException("criu: unexpected EOF");
                if (n == buf.Length) throw new ContainerException("criu: buffer is too small");
                var resp = criu_resp.Parser.ParseFrom(buf, 0, n);
                if (!resp.Success)
                {
                    // not cr_errmsg: it holds criu's first logged error, often a harmless one (rlimit); the
                    // caller quotes criu's log instead, as runc does
                    throw new ContainerException($"criu failed: type {TypeName(resp.Type)} errno {resp.CrErrno}");
                }
                if (resp.Type != criu_req_type.Notify) return resp;
                if (resp.Notify is null) throw new ContainerException("criu: invalid response: NOTIFY without notify");
                Log.Debug($"criu notify: {resp.Notify.Script}");
                OnNotify?.Invoke(resp.Notify, received);
                Send(sock, new criu_req { Type = criu_req_type.Notify, NotifySuccess = true });
            }
            finally
            {
                foreach (var f in received) f.Dispose();
            }
        }
    }

    /// <summary>Waits for criu's next message, asking the <see cref="Watchdog"/> while there is none.</summary>
    private void AwaitAnswer(SafeFd sock)
    {
        if (Watchdog is null) return;
        long firedAt = -1;
        while (Libc.PollOne(sock.Fd, Libc.POLLIN, WatchdogTickMs) == 0)
        {
            if (firedAt < 0)
            {
                if (Watchdog() is not { } reason) continue;
                _gaveUp = reason;
                firedAt = Environment.TickCount64;
                Log.Debug($"criu watchdog: {reason}");
            }
            else if (Environment.TickCount64 - firedAt >= WatchdogGraceMs)
            {
                throw new ContainerException($"criu did not answer: {_gaveUp}");
            }
        }
        _gaveUp = null;
    }

    /// <summary>
    /// Detaches and removes the cgroup yards (criu's ".criu.cgyard.XXXXXX": a tmpfs with every hierarchy mounted
    /// under it) a killed criu left in <paramref name="workDir"/>; a criu that exits removes its own.
    /// </summary>
    internal static void RemoveCgroupYards(string workDir)
    {
        if (workDir.Length == 0) return;
        string prefix = workDir.TrimEnd('/') + "/.criu.cgyard.";
        foreach (var m in MountInfoEntry.Read())
        {
            // the yard itself, not what is mounted under it: MNT_DETACH takes the subtree along
            if (!m.MountPoint.StartsWith(prefix, StringComparison.Ordinal) || m.MountPoint.IndexOf('/', prefix.Length) >= 0) continue;
            Errno e = Check.Try(Libc.umount2(m.MountPoint, Libc.MNT_DETACH));
            if (e is not (Errno.OK or Errno.EINVAL or Errno.ENOENT))
            {
                Log.Warn($"{new SyscallException("umount2", e, m.MountPoint).Message}");
                continue;
            }
            Errno r = Check.Try(Libc.rmdir(m.MountPoint));
            if (r is not (Errno.OK or Errno.ENOENT)) Log.Warn($"{new SyscallException("rmdir", r, m.MountPoint).Message}");
        }
    }

    private static void Send(SafeFd sock, criu_req req) => Libc.SendWithFds(sock, req.ToByteArray(), []);

    /// <summary>runc's names for the request types (criu_req_type's proto names).</summary>
    internal static string TypeName(criu_req_type t) => t switch
    {
        criu_req_type.Dump => "DUMP",
        criu_req_type.Restore => "RESTORE",
        criu_req_type.PreDump => "PRE_DUMP",
        criu_req_type.Notify => "NOTIFY",
        criu_req_type.FeatureCheck => "FEATURE_CHECK",
        criu_req_type.Version => "VERSION",
        _ => ((int)t).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string ExitText(int status) =>
        status > 128 ? $"signal: {Hooks.HookRunner.SignalText(status - 128)}" : $"exit status {status}";

    private static List<string> EnvironmentList()
    {
        var list = new List<string>();
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
            list.Add($"{e.Key}={e.Value}");
        return list;
    }
}
