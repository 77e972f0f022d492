using Skiff.Cli.CommandLine;
using Skiff.Cli.Commands;
using Skiff.LibContainer;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.Cli;

/// <summary>
/// runc's main.go: global flags, the command table, logging set-up, and the one place errors end
/// (runc's fatal: log the rendered chain at error level; print it to stderr too when the log is elsewhere; exit 1).
/// </summary>
internal static class App
{
    public const string Name = "skiff";
    public const string Version = "0.1.0";
    public const string SpecVersion = LibContainer.Configs.DefaultSpec.OciVersion;
    public const string DefaultRoot = "/run/skiff";

    public static string VersionText => $"{Name} version {Version}\nspec: {SpecVersion}\ndotnet: {Environment.Version}\n";

    /// <summary>os.Args[0] in runc's checkArgs messages.</summary>
    public static string ProgramName { get; set; } = Name;

    public static readonly IReadOnlyList<Flag> GlobalFlags =
    [
        Flag.Bool("debug", "enable debug logging"),
        Flag.Str("log", "set the log file to write skiff logs to (default is '/dev/stderr')"),
        Flag.Str("log-format", "set the log format ('text' (default), or 'json')", "text"),
        Flag.Str("root", "root directory for storage of container state (this should be located in tmpfs)", DefaultRoot),
        Flag.Str("criu", "path to the criu binary used for checkpoint and restore", "criu"),
        Flag.Bool("systemd-cgroup", "enable systemd cgroup support, expects cgroupsPath to be of form \"slice:prefix:name\" for e.g. \"system.slice:skiff:434234\""),
        Flag.Str("rootless", "ignore cgroup permission errors ('true', 'false', or 'auto')", "auto"),
        Flag.Bool("help", "show help", "h"),
        Flag.Bool("version", "print the version", "v"),
    ];

    public static readonly IReadOnlyList<Command> Commands =
    [
        new CheckpointCommand(), new CreateCommand(), new DeleteCommand(), new EventsCommand(), new ExecCommand(),
        new InitCommand(), new KillCommand(), new ListCommand(), new PauseCommand(), new PsCommand(),
        new RestoreCommand(), new ResumeCommand(), new RunCommand(), new SpecCommand(), new StartCommand(),
        new StateCommand(), new UpdateCommand(), new FeaturesCommand(), new ShimCommand(),
    ];

    private static readonly Flag s_helpFlag = Flag.Bool("help", "show help", "h");

    public static Command? Find(string name)
    {
        foreach (Command c in Commands)
            if (c.Name == name) return c;
        return null;
    }

    /// <summary>Runs one command line; returns the exit code. <paramref name="stdout"/> gets help and command
    /// output, <paramref name="stderr"/> the plain error line when the log goes to a file.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter stdout, TextWriter stderr)
    {
        ParsedArgs global;
        int consumed;
        try
        {
            global = ArgParser.Parse(GlobalFlags, args, stopAtFirstPositional: true, out consumed);
        }
        catch (UsageException ue)
        {
            stdout.Write("Incorrect Usage. " + ue.Message + "\n\n");
            stdout.Write(Help.App(Commands, GlobalFlags));
            return Fatal(ue, stderr);
        }

        if (global.Bool("version")) { stdout.Write(VersionText); return 0; }

        string defaultRoot = Rootless.DefaultRoot(out bool xdgRoot);
        var opts = new GlobalOptions
        {
            Root = global.String("root", defaultRoot),
            LogPath = global.String("log"),
            LogFormat = global.String("log-format", "text"),
            Debug = global.Bool("debug"),
            SystemdCgroup = global.Bool("systemd-cgroup"),
            Rootless = global.String("rootless", "auto"),
            Criu = global.String("criu", "criu"),
        };
        try
        {
            ConfigureLogging(opts);
            if (xdgRoot) Rootless.PrepareXdgRoot(defaultRoot, stderr);
            if (opts.Root.Length > 0) opts.Root = Path.GetFullPath(opts.Root);
        }
        catch (Exception ex) when (ex is ContainerException or SyscallException)
        {
            return Fatal(ex, stderr);
        }

        string? name = consumed < args.Count ? args[consumed] : null;
        var rest = new List<string>();
        for (int i = consumed + 1; i < args.Count; i++) rest.Add(args[i]);

        if (name is null || global.Bool("help"))
        {
            stdout.Write(Help.App(Commands, GlobalFlags));
            return 0;
        }
        if (name is "help" or "h") return HelpCommand(rest, stdout, stderr);

        Command? cmd = Find(name);
        if (cmd is null) return NoHelpTopic(name, stderr);
        return RunCommand(cmd, opts, rest, stdout, stderr);
    }

    private static int RunCommand(Command cmd, GlobalOptions opts, List<string> rest, TextWriter stdout, TextWriter stderr)
    {
        var flags = new List<Flag>(cmd.Flags) { s_helpFlag };
        ParsedArgs parsed;
        try
        {
            parsed = ArgParser.Parse(flags, rest, stopAtFirstPositional: cmd.SkipArgReorder);
        }
        catch (UsageException ue)
        {
            stdout.Write("Incorrect Usage: " + ue.Message + "\n\n");
            stdout.Write(Help.ForCommand(cmd));
            return Fatal(ue, stderr);
        }
        if (parsed.Bool("help"))
        {
            stdout.Write(Help.ForCommand(cmd));
            return 0;
        }
        try
        {
            PhaseTrace.Rename(cmd.Name);
            PhaseTrace.Mark("arguments parsed, logging set up");
            return cmd.Run(new Invocation(opts, cmd, parsed, stdout, stderr));
        }
        catch (UsageException ue) when (ue.ArgCount)
        {
            stdout.Write("Incorrect Usage.\n\n");
            stdout.Write(Help.ForCommand(cmd));
            return Fatal(ue, stderr);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Fatal(ex, stderr);
        }
    }

    private static int HelpCommand(List<string> rest, TextWriter stdout, TextWriter stderr)
    {
        if (rest.Count == 0)
        {
            stdout.Write(Help.App(Commands, GlobalFlags));
            return 0;
        }
        Command? c = Find(rest[0]);
        if (c is null) return NoHelpTopic(rest[0], stderr);
        stdout.Write(Help.ForCommand(c));
        return 0;
    }

    // urfave's ShowCommandHelp error goes through runc's FatalWriter: logged (with its newline) and exit 3.
    private static int NoHelpTopic(string name, TextWriter stderr)
    {
        string msg = $"No help topic for '{name}'\n";
        Log.Write(LogLevel.Error, msg);
        if (!Log.SinkIsStderr) stderr.Write(msg);
        return 3;
    }

    /// <summary>runc's fatal(): the rendered error chain at error level, and on stderr when logging elsewhere.</summary>
    public static int Fatal(Exception ex, TextWriter stderr)
    {
        string msg = ErrorText.Render(ex);
        Log.Write(LogLevel.Error, msg);
        if (!Log.SinkIsStderr)
        {
            stderr.Write(msg + "\n");
            stderr.Flush();
        }
        return 1;
    }

    /// <summary>runc's configLogrus: --debug, --log-format, --log (O_APPEND|O_CREAT|O_SYNC, 0644).</summary>
    public static void ConfigureLogging(GlobalOptions opts)
    {
        if (opts.Debug) Log.Level = LogLevel.Debug;
        switch (opts.LogFormat)
        {
            case "" or "text": Log.Json = false; break;
            case "json": Log.Json = true; break;
            default: throw new ContainerException("invalid log-format: " + opts.LogFormat);
        }
        if (!string.IsNullOrEmpty(opts.LogPath))
        {
            const int O_SYNC = 0x101000;
            SafeFd fd = Libc.Open(opts.LogPath, Libc.O_CREAT | Libc.O_WRONLY | Libc.O_APPEND | O_SYNC, 0x1a4);
            Log.SetSink(fd, isStderr: false);
        }
    }
}
