namespace Skiff.Cli.Commands;

/// <summary>`skiff init` (hidden): the container's first process; Program.Main also dispatches it directly.</summary>
internal sealed class InitCommand : Command
{
    public override string Name => "init";
    public override string Usage => "initialize the namespaces and launch the process (do not call it outside of skiff)";
    public override bool Hidden => true;

    public override int Run(Invocation inv) => Skiff.LibContainer.Init.InitEntry.Run();
}
