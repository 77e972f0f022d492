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
        string id = inv.Args.Arg(0);
        bool force = inv.Args.Bool("force");
        Container c;
        try
        {
            c = inv.GetContainer();
        }
        catch (ContainerNotExistException)
        {
            // An aborted create can leave the directory without state.json: remove it anyway (as runc), after
            // killing and removing what a create killed half-way left in its cgroup.
            string path = Path.Combine(inv.Global.Root, id);
            Container.CleanUpHalfCreated(inv.Global.Root, id);
            try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                inv.Err.Write($"remove {path}: {e.Message}\n");
            }
            if (force) return 0;
            throw;
        }
        c.Delete(force);
        return 0;
    }
}
