namespace Skiff.Cli.Commands;

internal sealed class ResumeCommand : Command
{
    public override string Name => "resume";
    public override string Usage => "resumes all processes that have been previously paused";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is the name for the instance of the container to be
        resumed.
        """;
    public override string Description => "The resume command resumes all processes in the instance of the container.\n\nUse skiff list to identify instances of containers and their current status.";

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        inv.GetContainer().Resume();
        return 0;
    }
}
