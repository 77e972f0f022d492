using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Processes;
using Skiff.Linux;
using Skiff.Cli.CommandLine;
using Skiff.RuntimeSpec;

namespace Skiff.Cli.Commands;

/// <summary>
/// runc's startContainer (utils_linux.go) for `create` and `run`: pid-file made absolute, chdir into the
/// bundle (hooks inherit it as their cwd, as in runc), spec loaded, the id checked, the spec validated into the
/// one <see cref="ContainerConfig"/> the container API then uses, then the terminal/console-socket sanity check,
/// all before the container API is called.
/// </summary>
internal static class Launcher
{
    public static readonly Flag[] CreateFlags =
    [
        Flag.Str("bundle", "path to the root of the bundle directory, defaults to the current directory", null, "b"),
        Flag.Str("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
        Flag.Str("pidfd-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the init process"),
        Flag.Str("pid-file", "specify the file to write the process id to"),
        Flag.Bool("no-pivot", "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"),
        Flag.Bool("no-new-keyring", "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key"),
        Flag.Int("preserve-fds", "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"),
    ];

    /// <param name="spawnInit">Spawn `skiff init` before the config is read (create and run: <see cref="CreateOptions.Init"/>,
    /// which the caller disposes); restore starts criu instead.</param>
    public static CreateOptions Prepare(Invocation inv, bool run, bool spawnInit = true)
    {
        string? pidFile = inv.Args.String("pid-file");
        if (!string.IsNullOrEmpty(pidFile)) pidFile = Path.GetFullPath(pidFile);
        string bundle = inv.Args.String("bundle") ?? "";
        if (bundle.Length > 0) Check.Rc(Libc.chdir(bundle), "chdir", bundle);
        bundle = Directory.GetCurrentDirectory();

        // spawned now (or taken over from nsexec, which spawned it as this process started), its exec overlapping what
        // follows (see InitChild); one spawned here inherits the bundle directory, the other changes into it itself
        int preserveFds = PreserveFds(inv.Args);
        InitChild? init = spawnInit ? Container.SpawnInit(preserveFds) : null;
        try
        {
            return Options(inv, run, pidFile, bundle, preserveFds, init);
        }
        catch
        {
            init?.Dispose();
            throw;
        }
    }

    /// <summary>--preserve-fds: runc passes as many files as the loop from 3 to 3+N makes, so a negative N is 0
    /// (taken as is, it would put init's own pipes over stdio).</summary>
    internal static int PreserveFds(ParsedArgs args) => Math.Max(0, args.Int("preserve-fds"));

    private static CreateOptions Options(Invocation inv, bool run, string? pidFile, string bundle, int preserveFds,
        InitChild? init)
    {
        Spec spec = SpecLoader.Load(bundle);
        string id = ContainerId.Require(inv.Args.Arg(0));
        var config = ContainerConfig.Validated(spec, inv.Global.SystemdCgroup);

        string? consoleSocket = inv.Args.String("console-socket");
        if (string.IsNullOrEmpty(consoleSocket)) consoleSocket = null;
        else consoleSocket = Path.GetFullPath(consoleSocket, bundle);
        bool detach = !run || inv.Args.Bool("detach");
        Container.CheckTerminal(detach, config.Spec.Process!.Terminal, consoleSocket);

        return new CreateOptions
        {
            Root = inv.Global.Root,
            Id = id,
            Bundle = bundle,
            PidFile = pidFile,
            ConsoleSocket = consoleSocket,
            PidfdSocket = inv.Args.String("pidfd-socket") is { Length: > 0 } pidfdSocket ? Path.GetFullPath(pidfdSocket) : null,
            NoPivot = inv.Args.Bool("no-pivot"),
            NoNewKeyring = inv.Args.Bool("no-new-keyring"),
            PreserveFds = preserveFds,
            SystemdCgroup = inv.Global.SystemdCgroup,
            RootlessCgroups = Rootless.UseRootlessCgroupManager(inv.Global),
            Detach = run && inv.Args.Bool("detach"),
            Keep = run && inv.Args.Bool("keep"),
            NoSubreaper = run && inv.Args.Bool("no-subreaper"),
            Config = config,
            Init = init,
        };
    }
}
