namespace Skiff.Cli.Commands;

internal sealed class ResumeCommand : NotImplementedCommand
{
    public override string Name => "resume";
    public override string Usage => "resumes all processes that have been previously paused";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is the name for the instance of the container to be
        resumed.
        """;
    public override string Description => "The resume command resumes all processes in the instance of the container.\n\nUse skiff list to identify instances of containers and their current status.";
    protected override int ExpectedArgs => 1;
}
