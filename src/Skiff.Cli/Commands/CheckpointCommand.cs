using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

/// <summary>runc's checkpoint.go: criu dumps the container; it is removed afterwards unless it keeps running.</summary>
internal sealed class CheckpointCommand : Command
{
    public override string Name => "checkpoint";
    public override string Usage => "checkpoint a running container";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is the name for the instance of the container to be
        checkpointed.
        """;
    public override string Description => "The checkpoint command saves the state of the container instance.";
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("image-path", "path for saving criu image files"),
        Flag.Str("work-path", "path for saving work files and logs"),
        Flag.Str("parent-path", "path for previous criu image files in pre-dump"),
        Flag.Bool("leave-running", "leave the process running after checkpointing"),
        Flag.Bool("tcp-established", "allow open tcp connections"),
        Flag.Bool("tcp-skip-in-flight", "skip in-flight tcp connections"),
        Flag.Bool("link-remap", "allow one to link unlinked files back when possible"),
        Flag.Bool("ext-unix-sk", "allow external unix sockets"),
        Flag.Bool("shell-job", "allow shell jobs"),
        Flag.Bool("lazy-pages", "use userfaultfd to lazily restore memory pages"),
        Flag.Int("status-fd", "criu writes \\0 to this FD once lazy-pages is ready", -1),
        Flag.Str("page-server", "ADDRESS:PORT of the page server"),
        Flag.Bool("file-locks", "handle file locks, for safety"),
        Flag.Bool("pre-dump", "dump container's memory information only, leave the container running after this"),
        Flag.Str("manage-cgroups-mode", "cgroups mode: soft|full|strict|ignore (default: soft)"),
        Flag.List("empty-ns", "create a namespace, but don't restore its properties"),
        Flag.Bool("auto-dedup", "enable auto deduplication of memory images"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        CriuArgs.WarnIfRootless();
        var container = inv.GetContainer();
        container.Checkpoint(CriuArgs.Parse(inv, createImageDir: true));
        return 0;
    }
}
