using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

internal sealed class StartCommand : Command
{
    public override string Name => "start";
    public override string Usage => "executes the user defined process in a created container";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is your name for the instance of the container that you
        are starting. The name you provide for the container instance must be unique on
        your host.
        """;
    public override string Description => "The start command executes the user defined process in a created container.";

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        Container c = inv.GetContainer();
        switch (c.Status)
        {
            case ContainerStatus.Created:
                c.Start();
                return 0;
            case ContainerStatus.Stopped:
                throw new ContainerException("cannot start a container that has stopped");
            case ContainerStatus.Running:
                throw new ContainerException("cannot start an already running container");
            default:
                throw new ContainerException($"cannot start a container in the {c.Status.Text()} state");
        }
    }
}
