using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>
/// A foreground `run`/`exec` with process.terminal and no console socket: copies the caller's stdin to the
/// container's pty master and the master to stdout, with the caller's terminal in raw mode meanwhile (runc's tty.go).
/// </summary>
internal sealed class TtyRelay : IDisposable
{
    private readonly SafeFd _master;
    private readonly Termios? _saved;
    private readonly Thread _out;
    private readonly Thread _in;

    public TtyRelay(SafeFd master)
    {
        _master = master;
        // runc's recvtty: "\n" from the container stays "\n" in what we relay (no "\r\n"), terminal on our side or not
        Libc.ClearOnlcr(_master.Fd);
        if (Libc.isatty(0) == 1)
        {
            _saved = Libc.MakeRaw(0);
            Resize();
        }
        _out = new Thread(() => Copy(_master.Fd, 1)) { IsBackground = true, Name = "tty-out" };
        _in = new Thread(() => Copy(0, _master.Fd)) { IsBackground = true, Name = "tty-in" };
    }

    public void Start()
    {
        _out.Start();
        _in.Start();
    }

    /// <summary>Copies the caller's window size to the pty (on start and on SIGWINCH).</summary>
    public void Resize()
    {
        if (Libc.isatty(0) != 1) return;
        try { Libc.SetWinSize(_master.Fd, Libc.GetWinSize(0)); }
        catch (SyscallException) { }
    }

    /// <summary>After the process exited: lets the output drain (the master reads EIO once the slave is closed).</summary>
    public void Finish() => _out.Join(TimeSpan.FromSeconds(2));

    private static void Copy(int from, int to)
    {
        using var src = new SafeFd(from, ownsHandle: false);
        using var dst = new SafeFd(to, ownsHandle: false);
        Span<byte> buf = stackalloc byte[8192];
        try
        {
            int n;
            while ((n = Libc.Read(src, buf)) > 0) Libc.WriteAll(dst, buf[..n]);
        }
        catch (SyscallException)
        {
            // EIO on the master once the container side closed; EPIPE on our side: the copy is over
        }
    }

    public void Dispose()
    {
        if (_saved is Termios t)
        {
            try { Libc.SetTermios(0, t); } catch (SyscallException) { }
        }
        _master.Dispose();
    }
}
