using Skiff.Cli.CommandLine;
using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

internal sealed class CreateCommand : Command
{
    public override string Name => "create";
    public override string Usage => "create a container";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is your name for the instance of the container that you
        are starting. The name you provide for the container instance must be unique on
        your host.
        """;
    public override string Description => """
        The create command creates an instance of a container for a bundle. The bundle
        is a directory with a specification file named "config.json" and a root
        filesystem.

        The specification file includes an args parameter. The args parameter is used
        to specify command(s) that get run when the container is started. To change the
        command(s) that get executed on start, edit the args parameter of the spec. See
        "skiff spec --help" for more explanation.
        """;
    public override IReadOnlyList<Flag> Flags => Launcher.CreateFlags;

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        try
        {
            var o = Launcher.Prepare(inv, run: false);
            using (o.Init) Container.Create(o);
            return 0;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ContainerException($"{App.Name} create failed", ex);
        }
    }
}
