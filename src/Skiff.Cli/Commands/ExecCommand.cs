using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

internal sealed class ExecCommand : NotImplementedCommand
{
    public override string Name => "exec";
    public override string Usage => "execute new process inside the container";
    public override string ArgsUsage => """
        <container-id> <command> [command options]  || -p process.json <container-id>

        Where "<container-id>" is the name for the instance of the container and
        "<command>" is the command to be executed in the container.
        "<command>" can't be empty unless a "-p" flag provided.
        """;
    public override bool SkipArgReorder => true;
    protected override int ExpectedArgs => 1;
    protected override ArgCheck Check => ArgCheck.Min;
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
}
