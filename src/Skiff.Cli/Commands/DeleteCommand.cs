using Skiff.Cli.CommandLine;
using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

internal sealed class DeleteCommand : Command
{
    public override string Name => "delete";
    public override string Usage => "delete any resources held by the container often used with detached container";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is the name for the instance of the container.

        EXAMPLE:
        For example, if the container id is "ubuntu01" and skiff list currently shows the
        status of "ubuntu01" as "stopped" the following will delete resources held for
        "ubuntu01" removing "ubuntu01" from the skiff list of containers:

               # skiff delete ubuntu01
        """;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Bool("force", "Forcibly deletes the container if it is still running (uses SIGKILL)", "f"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        string id = ContainerId.Require(inv.Args.Arg(0));
        bool force = inv.Args.Bool("force");
        // idempotent with --force (a concurrent delete, or a create killed before it wrote state.json): as runc
        Container.Delete(inv.Global.Root, id, force);
        return 0;
    }
}
