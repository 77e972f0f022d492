using System.Text;
using System.Text.Json.Nodes;
using Skiff.Interop;

namespace Skiff;

/// <summary>
/// The entry point: creates and runs containers through the packaged skiff binary, with the CLI's state
/// directory and formats. As root it makes ordinary containers; as an ordinary user, rootless ones (a user
/// namespace mapping root to the caller, no cgroups unless delegated), as `skiff --rootless auto` does.
/// </summary>
/// <example>
/// <code>
/// var spec = new ContainerSpec("/srv/busybox", "sh", "-c", "echo hello from $(hostname)");
/// var result = await SkiffRuntime.Default.RunAsync(spec);
/// Console.WriteLine($"{result.Stdout} (exit {result.ExitCode})");
/// </code>
/// </example>
public sealed class SkiffRuntime
{
    private static readonly Lazy<SkiffRuntime> s_default = new(() => new SkiffRuntime());
    private readonly SkiffCli _cli;
    private readonly SemaphoreSlim _templateLock = new(1, 1);
    private JsonObject? _template;

    /// <summary>Creates a runtime; <paramref name="options"/> overrides the defaults.</summary>
    /// <param name="options">Binary, state and bundle locations, or null for the defaults.</param>
    /// <exception cref="HelperNotFoundException">The skiff binary was not found.</exception>
    public SkiffRuntime(SkiffRuntimeOptions? options = null)
    {
        options ??= new SkiffRuntimeOptions();
        BinaryPath = HelperLocator.Find(options.BinaryPath);
        IsRootless = Native.geteuid() != 0;
        StateRoot = options.StateRoot;
        BundleRoot = options.BundleRoot ?? DefaultBundleRoot(IsRootless);
        _cli = new SkiffCli(BinaryPath, StateRoot);
    }

    /// <summary>A runtime with the default options, made on first use.</summary>
    public static SkiffRuntime Default => s_default.Value;

    /// <summary>The skiff binary in use.</summary>
    public string BinaryPath { get; }

    /// <summary>The state directory passed as --root, or null for the CLI's default.</summary>
    public string? StateRoot { get; }

    /// <summary>Where container bundles are written.</summary>
    public string BundleRoot { get; }

    /// <summary>Whether this process is not root, so containers are rootless.</summary>
    public bool IsRootless { get; }

    /// <summary>
    /// Creates a container (state "created"): its namespaces, cgroups and mounts are set up and its process
    /// waits for <see cref="Container.StartAsync"/>. Its standard streams are pipes, or a terminal.
    /// </summary>
    /// <param name="spec">What to run.</param>
    /// <param name="id">The container's id; default "dotnet-" and 12 random hex digits.</param>
    /// <param name="cancellationToken">Cancels the creation; a half-made container is removed.</param>
    /// <returns>The created container; dispose it to remove it.</returns>
    /// <exception cref="RootRequiredException">An ordinary user asked for resource limits without delegated cgroups.</exception>
    /// <exception cref="ContainerExistsException">The id is taken.</exception>
    /// <exception cref="ContainerStartException">The process cannot be started (e.g. its program is not found).</exception>
    /// <exception cref="SkiffException">Any other failure, with the runtime's error chain.</exception>
    public Task<Container> CreateAsync(ContainerSpec spec, string? id = null, CancellationToken cancellationToken = default) =>
        CreateCoreAsync(spec, id, start: false, removeOnExit: false, cancellationToken);

    /// <summary>create (and with <paramref name="start"/> start) in the one shim process; with
    /// <paramref name="removeOnExit"/> the shim also deletes the container once it has exited.</summary>
    private async Task<Container> CreateCoreAsync(ContainerSpec spec, string? id, bool start, bool removeOnExit,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        cancellationToken.ThrowIfCancellationRequested();
        id ??= "dotnet-" + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray(), 0, 6);
        if (IsRootless && spec.HasLimits && !CgroupDelegation.Available())
            throw new RootRequiredException(
                "memory, cpu and pids limits need cgroups, and this user has none delegated (rootless containers run " +
                "without cgroups): run as root, under a delegated cgroup v2, or without limits");
        JsonObject config = spec.Build(await TemplateAsync(cancellationToken).ConfigureAwait(false), id);

        EnsurePrivateDir(BundleRoot);
        string bundle = Path.Combine(BundleRoot, id);
        try
        {
            if (Directory.Exists(bundle)) throw new ContainerExistsException($"container with id exists: {id}");
            Directory.CreateDirectory(bundle, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (IOException ex)
        {
            throw new SkiffException($"creating bundle directory {bundle}: {ex.Message}", ex);
        }
        try
        {
            File.WriteAllText(Path.Combine(bundle, "config.json"), config.ToJsonString());
            var container = await StartShimAsync(spec.Terminal, id, bundle, start, removeOnExit).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                await container.DisposeAsync().ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
            return container;
        }
        catch
        {
            try { Directory.Delete(bundle, recursive: true); } catch (IOException) { }
            throw;
        }
    }

    /// <summary>Creates a container and starts its process.</summary>
    /// <param name="spec">What to run.</param>
    /// <param name="id">The container's id, or null for a generated one.</param>
    /// <param name="cancellationToken">Cancels; a container already made is removed.</param>
    /// <returns>The running container; dispose it to remove it.</returns>
    public Task<Container> StartAsync(ContainerSpec spec, string? id = null, CancellationToken cancellationToken = default) =>
        CreateCoreAsync(spec, id, start: true, removeOnExit: false, cancellationToken);

    /// <summary>
    /// Runs a container to completion: creates and starts it, feeds it <paramref name="stdin"/>, collects its
    /// output, waits for its exit and removes it. Cancelling the token (e.g. a timeout) kills the container,
    /// removes it and throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="spec">What to run.</param>
    /// <param name="stdin">Text for its standard input (closed after it), or null for none.</param>
    /// <param name="cancellationToken">Kills and removes the container when cancelled.</param>
    /// <returns>Exit code, output, and whether the OOM killer struck.</returns>
    public async Task<ContainerResult> RunAsync(ContainerSpec spec, string? stdin, CancellationToken cancellationToken)
    {
        // one helper process creates, starts, waits and deletes, as `skiff run` does
        await using var c = await CreateCoreAsync(spec, null, start: true, removeOnExit: true, cancellationToken).ConfigureAwait(false);
        Task<string> stdout = ReadOutputAsync(c.StandardOutput), stderr = c.StandardError is null
            ? Task.FromResult("") : ReadOutputAsync(c.StandardError);
        if (!spec.Terminal)
        {
            try
            {
                if (stdin is not null)
                    await c.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(stdin), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // the process exited without reading it all (EPIPE)
            }
            c.StandardInput.Dispose();
        }
        else if (stdin is not null)
        {
            await c.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(stdin), cancellationToken).ConfigureAwait(false);
        }
        int code = await c.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return new ContainerResult(code, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false), c.OomKilled);
    }

    /// <summary>Runs a container to completion (see <see cref="RunAsync(ContainerSpec, string?, CancellationToken)"/>).</summary>
    /// <param name="spec">What to run.</param>
    /// <param name="cancellationToken">Kills and removes the container when cancelled.</param>
    /// <returns>Exit code, output, and whether the OOM killer struck.</returns>
    public Task<ContainerResult> RunAsync(ContainerSpec spec, CancellationToken cancellationToken) =>
        RunAsync(spec, null, cancellationToken);

    /// <summary>Runs a container to completion (see <see cref="RunAsync(ContainerSpec, string?, CancellationToken)"/>).</summary>
    /// <param name="spec">What to run.</param>
    /// <returns>Exit code, output, and whether the OOM killer struck.</returns>
    public Task<ContainerResult> RunAsync(ContainerSpec spec) => RunAsync(spec, null, CancellationToken.None);

    /// <summary>Every container in the state directory, the CLI's as well as the library's (`skiff list`).</summary>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>Their states.</returns>
    public async Task<IReadOnlyList<ContainerState>> ListAsync(CancellationToken cancellationToken = default)
    {
        string json = await _cli.RunAsync(["list", "--format", "json"], cancellationToken).ConfigureAwait(false);
        var list = new List<ContainerState>();
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Array)
            foreach (var e in doc.RootElement.EnumerateArray())
                list.Add(ContainerState.Parse(e));
        return list;
    }

    /// <summary>The state of any container in the state directory, by id (`skiff state`).</summary>
    /// <param name="id">The container's id.</param>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>Its state.</returns>
    /// <exception cref="ContainerNotFoundException">No such container.</exception>
    public async Task<ContainerState> GetStateAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        string json = await _cli.RunAsync(["state", id], cancellationToken).ConfigureAwait(false);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return ContainerState.Parse(doc.RootElement);
    }

    /// <summary>Sends a signal to any container by id, e.g. one made with the CLI (`skiff kill`).</summary>
    /// <param name="id">The container's id.</param>
    /// <param name="signal">The signal number.</param>
    /// <param name="all">Send it to every process of the container.</param>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>A task that completes when the signal was sent.</returns>
    public Task SignalAsync(string id, int signal, bool all = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return _cli.RunAsync(all ? ["kill", "--all", id, signal.ToString()] : ["kill", id, signal.ToString()], cancellationToken);
    }

    /// <summary>Deletes any container by id, e.g. one made with the CLI (`skiff delete [--force]`).</summary>
    /// <param name="id">The container's id.</param>
    /// <param name="force">Kill it first if it still runs.</param>
    /// <param name="cancellationToken">Stops waiting for the command.</param>
    /// <returns>A task that completes when it is deleted.</returns>
    public Task DeleteAsync(string id, bool force = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        return _cli.RunAsync(force ? ["delete", "--force", id] : ["delete", id], cancellationToken);
    }

    private async Task<Container> StartShimAsync(bool terminal, string id, string bundle, bool start, bool removeOnExit)
    {
        string log = Path.Combine(bundle, "skiff.log");
        ConsoleReceiver? console = terminal ? new ConsoleReceiver(Path.Combine(bundle, "console.sock")) : null;
        var args = new List<string> { "--log", log, "shim", "--status-fd", "3", "--bundle", bundle };
        if (console is not null) args.AddRange(["--console-socket", console.Path]);
        if (start) args.Add("--start");
        if (removeOnExit) args.Add("--rm");
        args.Add(id);

        SafeFdHandle? inW = null, outR = null, errR = null;
        var (statusR, statusW) = Native.Pipe();
        ChildProcess shim;
        try
        {
            if (terminal)
            {
                using var devNull = SkiffCli.DevNull();
                shim = ChildProcess.Start(BinaryPath, _cli.Argv(args), [devNull, devNull, devNull, statusW]);
            }
            else
            {
                (var inR, inW) = Native.Pipe();
                (outR, var outW) = Native.Pipe();
                (errR, var errW) = Native.Pipe();
                using (inR)
                using (outW)
                using (errW)
                    shim = ChildProcess.Start(BinaryPath, _cli.Argv(args), [inR, outW, errW, statusW]);
            }
        }
        catch
        {
            console?.Dispose();
            inW?.Dispose();
            outR?.Dispose();
            errR?.Dispose();
            statusR.Dispose();
            throw;
        }
        finally
        {
            statusW.Dispose();
        }

        var status = new StreamReader(new FileStream(statusR.ToFileHandle(), FileAccess.Read, 0), Encoding.ASCII);
        string? line = await status.ReadLineAsync().ConfigureAwait(false);
        if (line is null || !line.StartsWith("created ", StringComparison.Ordinal) || !int.TryParse(line.AsSpan(8), out int pid))
        {
            // create failed: the shim logged why and exited
            int code = await shim.Exited.ConfigureAwait(false);
            string message = LogFile.LastError(log) ?? $"skiff shim exited with status {code}";
            status.Dispose();
            shim.Dispose();
            console?.Dispose();
            inW?.Dispose();
            outR?.Dispose();
            errR?.Dispose();
            throw SkiffCli.Classify(message, code, "create");
        }

        Stream stdin, stdout;
        Stream? stderr = null;
        if (console is not null)
        {
            SafeFdHandle master;
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                master = await console.ReceiveAsync(timeout.Token).ConfigureAwait(false);
            }
            catch
            {
                await DeleteAsync(id, force: true).ConfigureAwait(false);
                await shim.Exited.ConfigureAwait(false);
                status.Dispose();
                shim.Dispose();
                console.Dispose();
                throw;
            }
            stdin = stdout = new TerminalStream(master.ToFileHandle());
        }
        else
        {
            stdin = new FileStream(inW!.ToFileHandle(), FileAccess.Write, 0);
            stdout = new FileStream(outR!.ToFileHandle(), FileAccess.Read, 0);
            stderr = new FileStream(errR!.ToFileHandle(), FileAccess.Read, 0);
        }
        return new Container(_cli, id, pid, bundle, shim, status, stdin, stdout, stderr, console, removeOnExit);
    }

    private async Task<JsonObject> TemplateAsync(CancellationToken ct)
    {
        await _templateLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_template is null)
            {
                EnsurePrivateDir(BundleRoot);
                string dir = Path.Combine(BundleRoot, ".spec-" + Guid.NewGuid().ToString("N")[..12]);
                Directory.CreateDirectory(dir);
                try
                {
                    await _cli.RunAsync(IsRootless ? ["spec", "--rootless", "--bundle", dir] : ["spec", "--bundle", dir], ct)
                        .ConfigureAwait(false);
                    _template = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "config.json"), ct)
                        .ConfigureAwait(false))!;
                }
                finally
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
            return _template;
        }
        finally
        {
            _templateLock.Release();
        }
    }

    private static async Task<string> ReadOutputAsync(Stream s)
    {
        try
        {
            return await SkiffCli.ReadAllAsync(s).ConfigureAwait(false);
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// Creates the bundle root 0700, and refuses one that is a symlink or open to others (a shared /tmp: another
    /// user could have made it first). A directory of another user with mode 0700 cannot be written: it fails.
    /// </summary>
    private static void EnsurePrivateDir(string dir)
    {
        const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        var info = Directory.CreateDirectory(dir, Private);
        if (info.LinkTarget is not null || (info.UnixFileMode & ~Private) != 0)
            throw new SkiffException($"bundle directory {dir} is a symlink or open to other users; remove it or set SkiffRuntimeOptions.BundleRoot");
    }

    private static string DefaultBundleRoot(bool rootless)
    {
        if (!rootless) return "/run/skiff-dotnet";
        string? xdg = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(xdg) && Directory.Exists(xdg)) return Path.Combine(xdg, "skiff-dotnet");
        return $"/tmp/skiff-dotnet-{Native.geteuid()}";
    }
}
