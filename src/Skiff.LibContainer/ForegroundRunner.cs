using Skiff.LibContainer.Wire;
using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>
/// The foreground tail of `run` and `exec` (runc's runner in utils_linux.go): forward signals to the process,
/// relay the terminal when skiff holds the console's master, start the process, wait for it, and return its exit
/// status (128+N when killed by signal N).
/// </summary>
internal static class ForegroundRunner
{
    /// <summary>
    /// Runs the foreground part for process <paramref name="pid"/>. <paramref name="console"/>, when set, is our end
    /// of the socket the process's init sends the pty master over (consumed here). <paramref name="start"/> runs
    /// once signals are forwarded and the terminal is received (`run` starts the container there). As a subreaper
    /// (`run` without --no-subreaper) every child is reaped until the process exits, so reparented orphans do not
    /// linger as zombies; otherwise only the process is waited for, through a pidfd.
    /// </summary>
    public static int Run(int pid, SafeFd? console, bool subreaper, Action? start = null)
    {
        using var forward = new SignalForwarder(pid);
        TtyRelay? tty = null;
        try
        {
            if (console is not null)
            {
                using (console)
                {
                    tty = new TtyRelay(ConsoleSocket.ReceiveFd(console, out _));
                }
                forward.OnResize = tty.Resize;
            }
            start?.Invoke();
            tty?.Start();
            int status = subreaper ? Libc.ReapUntilExit(pid) : WaitExit(pid);
            tty?.Finish();
            return status;
        }
        finally
        {
            tty?.Dispose();
        }
    }

    private static int WaitExit(int pid)
    {
        using SafeFd pidfd = Libc.PidfdOpen(pid);
        return Libc.WaitExit(pidfd);
    }
}
