using Skiff.Cli.CommandLine;
using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

internal sealed class RunCommand : Command
{
    public override string Name => "run";
    public override string Usage => "create and run a container";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is your name for the instance of the container that you
        are starting. The name you provide for the container instance must be unique on
        your host.
        """;
    public override string Description => """
        The run command creates an instance of a container for a bundle. The bundle
        is a directory with a specification file named "config.json" and a root
        filesystem.

        The specification file includes an args parameter. The args parameter is used
        to specify command(s) that get run when the container is started. To change the
        command(s) that get executed on start, edit the args parameter of the spec. See
        "skiff spec --help" for more explanation.
        """;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Launcher.CreateFlags[0], Launcher.CreateFlags[1],
        Flag.Bool("detach", "detach from the container's process", "d"),
        Flag.Bool("keep", "do not delete the container after it exits"),
        Launcher.CreateFlags[2],
        Flag.Bool("no-subreaper", "disable the use of the subreaper used to reap reparented processes"),
        Launcher.CreateFlags[3], Launcher.CreateFlags[4], Launcher.CreateFlags[5], Launcher.CreateFlags[6],
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        try
        {
            var o = Launcher.Prepare(inv, run: true);
            using (o.Init) return Container.Run(o);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ContainerException($"{App.Name} run failed", ex);
        }
    }
}
