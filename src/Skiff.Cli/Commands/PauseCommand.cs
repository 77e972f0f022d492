namespace Skiff.Cli.Commands;

internal sealed class PauseCommand : Command
{
    public override string Name => "pause";
    public override string Usage => "pause suspends all processes inside the container";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is the name for the instance of the container to be
        paused. 
        """;
    public override string Description => "The pause command suspends all processes in the instance of the container.\n\nUse skiff list to identify instances of containers and their current status.";

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        inv.GetContainer().Pause();
        return 0;
    }
}
