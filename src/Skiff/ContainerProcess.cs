using Skiff.Interop;

namespace Skiff;

/// <summary>
/// A process started in a running container by <see cref="Container.Exec"/>: its standard streams and its
/// exit. The library's child is the `skiff exec` that waits for it and exits with its status; signals sent
/// with <see cref="Signal"/> are forwarded to the process by it (SIGHUP, SIGINT, SIGQUIT, SIGUSR1/2, SIGTERM).
/// </summary>
public sealed class ContainerProcess : IDisposable
{
    private readonly ChildProcess _exec;

    private readonly string _logPath;

    internal ContainerProcess(ChildProcess exec, string logPath, Stream stdin, Stream stdout, Stream? stderr)
    {
        _exec = exec;
        _logPath = logPath;
        StandardInput = stdin;
        StandardOutput = stdout;
        StandardError = stderr;
    }

    /// <summary>The process's standard input (close it to send end-of-file).</summary>
    public Stream StandardInput { get; }

    /// <summary>The process's standard output (with a terminal: the terminal's output, stderr included).</summary>
    public Stream StandardOutput { get; }

    /// <summary>The process's standard error, or null when it has a terminal.</summary>
    public Stream? StandardError { get; }

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _exec.Exited.IsCompleted;

    /// <summary>
    /// Waits for the process to exit, over a pidfd (no polling). Cancelling the token stops the wait only; it
    /// does not signal the process.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The exit code, or 128+N when signal N killed it. A failure to start it ("executable file not
    /// found") is the exception <see cref="ContainerStartException"/> instead.</returns>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        int code = await _exec.Exited.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (code != 0 && LogFile.LastError(_logPath) is { } error) throw SkiffCli.Classify(error, code, "exec");
        return code;
    }

    /// <summary>Sends <paramref name="signal"/> to the process (through `skiff exec`, which forwards it).</summary>
    /// <param name="signal">The signal number, e.g. 15 for SIGTERM.</param>
    public void Signal(int signal) => _exec.Signal(signal);

    /// <summary>Closes the streams; a process still running goes on until the container is deleted.</summary>
    public void Dispose()
    {
        StandardInput.Dispose();
        StandardOutput.Dispose();
        StandardError?.Dispose();
        _exec.Dispose();
        try { File.Delete(_logPath); } catch (IOException) { }
    }
}
