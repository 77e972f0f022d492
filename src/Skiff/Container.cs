using System.Text.Json;
using Skiff.Interop;

namespace Skiff;

/// <summary>
/// A container made by <see cref="SkiffRuntime.CreateAsync"/>. It is an ordinary skiff container: `skiff list`,
/// `skiff state`, `skiff exec` see it. The library's child is the helper `skiff shim`, the parent of the
/// container's init, whose exit the library awaits over a pidfd. Dispose kills what still runs and deletes the
/// container, its cgroups, its state directory and its bundle: nothing is left behind.
/// </summary>
public sealed class Container : IDisposable, IAsyncDisposable
{
    private readonly SkiffCli _cli;
    private readonly ChildProcess _shim;
    private readonly StreamReader _status;
    private readonly Task<int> _exit;
    private readonly IDisposable? _console;
    private readonly bool _removedOnExit;
    private int _execs;
    private int _deleted;
    private int _disposed;

    internal Container(SkiffCli cli, string id, int pid, string bundle, ChildProcess shim, StreamReader status,
        Stream stdin, Stream stdout, Stream? stderr, IDisposable? console, bool removedOnExit)
    {
        _removedOnExit = removedOnExit;
        _cli = cli;
        Id = id;
        Pid = pid;
        BundlePath = bundle;
        _shim = shim;
        _status = status;
        _console = console;
        StandardInput = stdin;
        StandardOutput = stdout;
        StandardError = stderr;
        _exit = ExitAsync();
    }

    /// <summary>The container's id (its name in `skiff list`).</summary>
    public string Id { get; }

    /// <summary>The host pid of the container's init process (its first process).</summary>
    public int Pid { get; }

    /// <summary>The bundle directory the library wrote (config.json, the runtime's log).</summary>
    public string BundlePath { get; }

    /// <summary>
    /// The process's standard input; close it to send end-of-file. With a terminal it is the terminal's master
    /// side, the same stream as <see cref="StandardOutput"/>.
    /// </summary>
    public Stream StandardInput { get; }

    /// <summary>
    /// The process's standard output (a pipe, or the terminal's master side). Read it while the container runs:
    /// a full pipe blocks the process.
    /// </summary>
    public Stream StandardOutput { get; }

    /// <summary>The process's standard error, or null with a terminal (whose output holds both).</summary>
    public Stream? StandardError { get; }

    /// <summary>Whether the container's process has exited.</summary>
    public bool HasExited => _exit.IsCompleted;

    /// <summary>The exit code once the process has exited (128+N when signal N killed it), else null.</summary>
    public int? ExitCode => _exit.IsCompletedSuccessfully ? _exit.Result : null;

    /// <summary>Whether the kernel's OOM killer killed a process of the container (set once it has exited).</summary>
    public bool OomKilled { get; private set; }

    /// <summary>Runs the container's process (`skiff start`).</summary>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>A task that completes when the process runs.</returns>
    public Task StartAsync(CancellationToken cancellationToken = default) => _cli.RunAsync(["start", Id], cancellationToken);

    /// <summary>
    /// Waits for the container's process to exit, over a pidfd of the helper that is its parent: no polling.
    /// Cancelling the token stops the wait only (<see cref="SkiffRuntime.RunAsync(ContainerSpec, string?, CancellationToken)"/> kills on cancellation).
    /// </summary>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The exit code, or 128+N when signal N killed the process.</returns>
    public Task<int> WaitForExitAsync(CancellationToken cancellationToken = default) => _exit.WaitAsync(cancellationToken);

    /// <summary>Sends a signal to the container's init, or to all its processes (`skiff kill [--all]`).</summary>
    /// <param name="signal">The signal number (9 = SIGKILL, 15 = SIGTERM, ...).</param>
    /// <param name="all">Send it to every process of the container.</param>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>A task that completes when the signal was sent.</returns>
    public Task SignalAsync(int signal, bool all = false, CancellationToken cancellationToken = default) =>
        _cli.RunAsync(all ? ["kill", "--all", Id, signal.ToString()] : ["kill", Id, signal.ToString()], cancellationToken);

    /// <summary>Freezes every process of the container (`skiff pause`; needs a freezer cgroup, so root).</summary>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>A task that completes when the container is paused.</returns>
    public Task PauseAsync(CancellationToken cancellationToken = default) => _cli.RunAsync(["pause", Id], cancellationToken);

    /// <summary>Thaws a paused container (`skiff resume`).</summary>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>A task that completes when the container runs again.</returns>
    public Task ResumeAsync(CancellationToken cancellationToken = default) => _cli.RunAsync(["resume", Id], cancellationToken);

    /// <summary>The container's state (`skiff state`).</summary>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>The state.</returns>
    public async Task<ContainerState> GetStateAsync(CancellationToken cancellationToken = default)
    {
        string json = await _cli.RunAsync(["state", Id], cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(json);
        return ContainerState.Parse(doc.RootElement);
    }

    /// <summary>The container's resource usage from its cgroups (`skiff events --stats`).</summary>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>CPU, memory and pids counters.</returns>
    public async Task<ContainerStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        string json = await _cli.RunAsync(["events", "--stats", Id], cancellationToken).ConfigureAwait(false);
        using var doc = JsonDocument.Parse(json);
        return ContainerStats.Parse(doc.RootElement.TryGetProperty("data", out var data) ? data : doc.RootElement);
    }

    /// <summary>Starts another process in the running container (`skiff exec`), with pipes for its streams.</summary>
    /// <param name="process">What to run.</param>
    /// <returns>The process: its streams and its exit.</returns>
    public ContainerProcess Exec(ProcessSpec process)
    {
        ArgumentNullException.ThrowIfNull(process);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        string log = Path.Combine(BundlePath, $"exec-{Interlocked.Increment(ref _execs)}.log");
        var args = new List<string> { "--log", log };
        args.AddRange(process.ExecArgs(Id));
        var (inR, inW) = Native.Pipe();
        var (outR, outW) = Native.Pipe();
        var (errR, errW) = Native.Pipe();
        ChildProcess child;
        try
        {
            child = ChildProcess.Start(_cli.Binary, _cli.Argv(args), [inR, outW, errW]);
        }
        catch
        {
            inW.Dispose();
            outR.Dispose();
            errR.Dispose();
            throw;
        }
        finally
        {
            inR.Dispose();
            outW.Dispose();
            errW.Dispose();
        }
        return new ContainerProcess(child, log,
            new FileStream(inW.ToFileHandle(), FileAccess.Write, 0),
            new FileStream(outR.ToFileHandle(), FileAccess.Read, 0),
            new FileStream(errR.ToFileHandle(), FileAccess.Read, 0));
    }

    /// <summary>
    /// Deletes the container (`skiff delete`): its state, cgroups and bundle. Without <paramref name="force"/>
    /// the container must have stopped; with it a running container is killed first.
    /// </summary>
    /// <param name="force">Kill the container if it still runs.</param>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>A task that completes when the container is gone.</returns>
    public async Task DeleteAsync(bool force = false, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _deleted) != 0) return;
        try
        {
            await _cli.RunAsync(force ? ["delete", "--force", Id] : ["delete", Id], cancellationToken).ConfigureAwait(false);
        }
        catch (SkiffException) when (_removedOnExit)
        {
            // RunAsync's shim deletes the container once it exits: it may have been there first
            if (!await RemovedByShimAsync().ConfigureAwait(false)) throw;
        }
        Volatile.Write(ref _deleted, 1);
        // the shim reaps init and exits once init is gone
        await _shim.Exited.ConfigureAwait(false);
        RemoveBundle();
    }

    /// <summary>Kills whatever still runs, deletes the container and closes its streams (see <see cref="DisposeAsync"/>).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Kills whatever still runs in the container (`skiff delete --force`), waits for its init to be reaped,
    /// removes its state, cgroups and bundle, and closes its streams. A container already deleted is left as is.
    /// </summary>
    /// <returns>A task that completes when nothing of the container is left.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            if (Volatile.Read(ref _deleted) == 0)
            {
                try
                {
                    await DeleteAsync(force: true).ConfigureAwait(false);
                }
                catch (ContainerNotFoundException)
                {
                    // deleted from outside (`skiff delete`): nothing of ours is left but the bundle
                    await _shim.Exited.ConfigureAwait(false);
                    RemoveBundle();
                }
            }
        }
        finally
        {
            StandardInput.Dispose();
            StandardOutput.Dispose();
            StandardError?.Dispose();
            _console?.Dispose();
            _status.Dispose();
            _shim.Dispose();
        }
    }

    private async Task<int> ExitAsync()
    {
        int code = await _shim.Exited.ConfigureAwait(false);
        // "exited STATUS OOMKILLS" from the shim; missing when the shim itself failed
        string rest = await _status.ReadToEndAsync().ConfigureAwait(false);
        foreach (string line in rest.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            if (f.Length == 3 && f[0] == "exited" && int.TryParse(f[1], out int status) && ulong.TryParse(f[2], out ulong oom))
            {
                OomKilled = oom > 0;
                return status;
            }
        }
        return code;
    }

    /// <summary>Whether the shim has exited (within a while) and the container is gone: the shim deleted it.</summary>
    private async Task<bool> RemovedByShimAsync()
    {
        try
        {
            await _shim.Exited.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
        try
        {
            await _cli.RunAsync(["state", Id]).ConfigureAwait(false);
            return false;
        }
        catch (ContainerNotFoundException)
        {
            return true;
        }
    }

    private void RemoveBundle()
    {
        try
        {
            Directory.Delete(BundlePath, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
