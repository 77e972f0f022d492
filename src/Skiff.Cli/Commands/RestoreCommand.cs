using Skiff.Cli.CommandLine;
using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

/// <summary>runc's restore.go: a container created from the bundle whose process criu restores from the images.
/// Exits with the container's exit status in the foreground.</summary>
internal sealed class RestoreCommand : Command
{
    public override string Name => "restore";
    public override string Usage => "restore a container from a previous checkpoint";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is the name for the instance of the container to be
        restored.
        """;
    public override string Description => "Restores the saved state of the container instance that was previously saved\nusing the skiff checkpoint command.";
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("console-socket", "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal"),
        Flag.Str("image-path", "path to criu image files for restoring"),
        Flag.Str("work-path", "path for saving work files and logs"),
        Flag.Bool("tcp-established", "allow open tcp connections"),
        Flag.Bool("ext-unix-sk", "allow external unix sockets"),
        Flag.Bool("shell-job", "allow shell jobs"),
        Flag.Bool("file-locks", "handle file locks, for safety"),
        Flag.Str("manage-cgroups-mode", "cgroups mode: soft|full|strict|ignore (default: soft)"),
        Flag.Str("bundle", "path to the root of the bundle directory", null, "b"),
        Flag.Bool("detach", "detach from the container's process", "d"),
        Flag.Str("pid-file", "specify the file to write the process id to"),
        Flag.Bool("no-subreaper", "disable the use of the subreaper used to reap reparented processes"),
        Flag.Bool("no-pivot", "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk"),
        Flag.List("empty-ns", "create a namespace, but don't restore its properties"),
        Flag.Bool("auto-dedup", "enable auto deduplication of memory images"),
        Flag.Bool("lazy-pages", "use userfaultfd to lazily restore memory pages"),
        Flag.Str("lsm-profile", "Specify an LSM profile to be used during restore in the form of TYPE:NAME."),
        Flag.Str("lsm-mount-context", "Specify an LSM mount context to be used during restore."),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        CriuArgs.WarnIfRootless();
        // the image path is taken relative to where skiff was started, before Prepare enters the bundle
        var criu = CriuArgs.Parse(inv, createImageDir: false);
        var options = Launcher.Prepare(inv, run: true, spawnInit: false);
        return Container.Restore(options, criu);
    }
}
