using System.Runtime.InteropServices;
using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>
/// Forwards the signals a foreground `run` or `exec` receives to the container's process (runc's signalHandler);
/// SIGWINCH instead resizes the relayed terminal (<see cref="OnResize"/>).
/// </summary>
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
