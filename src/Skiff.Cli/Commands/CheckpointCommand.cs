using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

internal sealed class CheckpointCommand : NotImplementedCommand
{
    public override string Name => "checkpoint";
    public override string Usage => "checkpoint a running container";
    public override string ArgsUsage => "<container-id>";
    protected override int ExpectedArgs => 1;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("image-path", "path for saving criu image files"),
        Flag.Str("work-path", "path for saving work files and logs"),
        Flag.Str("parent-path", "path for previous criu image files in pre-dump"),
        Flag.Bool("leave-running", "leave the process running after checkpointing"),
        Flag.Bool("tcp-established", "allow open tcp connections"),
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
}
