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
            finally
            {
                if (!waited)
                {
                    client.Dispose(); // criu sees EOF and gives up (a dump resumes the tasks)
                    try { Libc.WaitExit(pid); } catch (Exception ex) { Log.Warn($"wait on criu: {ErrorText.Render(ex)}"); }
                }
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
