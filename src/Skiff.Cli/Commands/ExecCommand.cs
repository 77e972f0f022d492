using System.Globalization;
using Skiff.Cli.CommandLine;
using Skiff.LibContainer;
using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;

namespace Skiff.Cli.Commands;

/// <summary>runc's exec.go: a new process in a running container; exit status passed through, 255 on failure.</summary>
internal sealed class ExecCommand : Command
{
    public override string Name => "exec";
    public override string Usage => "execute new process inside the container";
    public override string ArgsUsage => """
        <container-id> <command> [command options]  || -p process.json <container-id>

        Where "<container-id>" is the name for the instance of the container and
        "<command>" is the command to be executed in the container.
        "<command>" can't be empty unless a "-p" flag provided.

        EXAMPLE:
        For example, if the container is configured to run the linux ps command the
        following will output a list of processes running in the container:

               # skiff exec <container-id> ps
        """;
    public override bool SkipArgReorder => true;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
        Flag.Str("pidfd-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the exec process"),
        Flag.Str("cwd", "current working directory in the container"),
        Flag.List("env", "set environment variables", "e"),
        Flag.Bool("tty", "allocate a pseudo-TTY", "t"),
        Flag.Str("user", "UID (format: <uid>[:<gid>])", null, "u"),
        Flag.List("additional-gids", "additional gids", "g"),
        Flag.Str("process", "path to the process.json", null, "p"),
        Flag.Bool("detach", "detach from the container's process", "d"),
        Flag.Str("pid-file", "specify the file to write the process id to"),
        Flag.Str("process-label", "set the asm process label for the process commonly used with selinux"),
        Flag.Str("apparmor", "set the apparmor profile for the process"),
        Flag.Bool("no-new-privs", "set the no new privileges value for the process"),
        Flag.List("cap", "add a capability to the bounding set for the process", "c"),
        Flag.Int("preserve-fds", "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)"),
        Flag.List("cgroup", "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>."),
        Flag.Bool("ignore-paused", "allow exec in a paused container"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Min);
        try
        {
            return Exec(inv);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not UsageException)
        {
            // runc: fatalWithCode(fmt.Errorf("exec failed: %w", err), 255)
            App.Fatal(new ContainerException("exec failed", ex), inv.Err);
            return 255;
        }
    }

    private static int Exec(Invocation inv)
    {
        var a = inv.Args;
        // spawned now, its exec overlapping the loading of the container and the process (see InitChild)
        int preserveFds = Launcher.PreserveFds(a);
        using var init = Container.SpawnInit(preserveFds, setns: true);
        string? pidFile = a.String("pid-file");
        pidFile = string.IsNullOrEmpty(pidFile) ? null : Path.GetFullPath(pidFile);
        Container c = inv.GetContainer();
        var gids = new List<long>();
        foreach (string g in a.List("additional-gids"))
        {
            if (!long.TryParse(g, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
                throw new UsageException($"invalid value \"{g}\" for flag -additional-gids: strconv.ParseInt: parsing \"{g}\": invalid syntax");
            gids.Add(v);
        }
        string? socket = a.String("console-socket");
        string? pidfdSocket = a.String("pidfd-socket");
        var o = new ExecOptions
        {
            ProcessFile = a.String("process"),
            Args = a.Positional.Skip(1).ToList(),
            Tty = a.IsSet("tty") ? a.Bool("tty") : null,
            ConsoleSocket = string.IsNullOrEmpty(socket) ? null : Path.GetFullPath(socket),
            PidfdSocket = string.IsNullOrEmpty(pidfdSocket) ? null : Path.GetFullPath(pidfdSocket),
            Detach = a.Bool("detach"),
            PidFile = pidFile,
            Cwd = a.String("cwd"),
            Env = a.List("env").ToList(),
            User = a.String("user"),
            AdditionalGids = gids,
            Caps = a.List("cap").ToList(),
            NoNewPrivs = a.IsSet("no-new-privs") ? a.Bool("no-new-privs") : null,
            AppArmor = a.String("apparmor"),
            ProcessLabel = a.String("process-label"),
            PreserveFds = preserveFds,
            IgnorePaused = a.Bool("ignore-paused"),
            SubCgroups = a.List("cgroup").ToList(),
            Init = init,
        };
        return c.Exec(o, string.IsNullOrEmpty(o.ProcessFile) ? BundleSpec(c) : null);
    }

    /// <summary>runc builds the process from the bundle's config.json as it is now; skiff falls back to the spec saved
    /// at create when the bundle is gone.</summary>
    private static Spec? BundleSpec(Container c)
    {
        if (!File.Exists(Path.Combine(c.Bundle, "config.json"))) return null;
        return SpecLoader.Load(c.Bundle);
    }
}
