using System.Runtime.InteropServices;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Init;
using Skiff.LibContainer.Processes;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `run`: create + start. Detached it returns 0 once the process runs; in the foreground it forwards signals
    /// (and the terminal, when process.terminal is set without a console socket), waits, deletes the container
    /// unless --keep, and returns the exit status (128+N when killed by signal N).
    /// </summary>
    public static int Run(CreateOptions o)
    {
        SafeFd? ourEnd = null, theirEnd = null;
        o.Spec ??= LoadSpec(o);
        if (!o.Detach && o.ConsoleSocket is null && o.Spec.Process?.Terminal == true)
            (ourEnd, theirEnd) = Libc.SocketPair(Libc.SOCK_STREAM);
        Container c;
        try
        {
            c = Create(o, theirEnd);
        }
        finally
        {
            theirEnd?.Dispose();
        }
        if (o.Detach)
        {
            c.StartOrDestroy();
            return 0;
        }
        using var forward = new SignalForwarder(c.InitPid);
        TtyRelay? tty = null;
        try
        {
            if (ourEnd is not null)
            {
                using (ourEnd)
                {
                    var master = ConsoleSocket.ReceiveFd(ourEnd, out _);
                    tty = new TtyRelay(master);
                }
                forward.OnResize = tty.Resize;
            }
            c.StartOrDestroy();
            tty?.Start();
            int status = Libc.WaitExit(c.InitPid);
            tty?.Finish();
            return status;
        }
        finally
        {
            tty?.Dispose();
            if (!o.Keep)
            {
                try
                {
                    c.Delete(force: true);
                }
                catch (Exception ex)
                {
                    Log.Warn($"deleting container {c.Id}: {ErrorText.Render(ex)}");
                }
            }
        }
    }

    private void StartOrDestroy()
    {
        try
        {
            Start();
        }
        catch
        {
            try { Delete(force: true); } catch (Exception ex) { Log.Warn(ErrorText.Render(ex)); }
            throw;
        }
    }
}

/// <summary>Forwards the signals a foreground `run` receives to the container's init (as runc's signal handler).</summary>
internal sealed class SignalForwarder : IDisposable
{
    private readonly List<PosixSignalRegistration> _regs = [];

    public SignalForwarder(int pid)
    {
        // PosixSignal takes raw signal numbers on Linux for the signals it has no name for
        int[] signals = [1, 2, 3, 10, 12, 15, 28 /* SIGWINCH */];
        foreach (int sig in signals)
        {
            var posix = sig switch
            {
                1 => PosixSignal.SIGHUP, 2 => PosixSignal.SIGINT, 3 => PosixSignal.SIGQUIT,
                15 => PosixSignal.SIGTERM, 28 => PosixSignal.SIGWINCH, _ => (PosixSignal)sig,
            };
            _regs.Add(PosixSignalRegistration.Create(posix, ctx =>
            {
                ctx.Cancel = true;
                if (sig == 28) OnResize?.Invoke();
                else Libc.kill(pid, sig);
            }));
        }
    }

    public Action? OnResize { get; set; }

    public void Dispose()
    {
        foreach (var r in _regs) r.Dispose();
    }
}
