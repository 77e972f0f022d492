using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

internal sealed class StateCommand : Command
{
    public override string Name => "state";
    public override string Usage => "output the state of a container";
    public override string ArgsUsage => """
        <container-id>

        Where "<container-id>" is your name for the instance of the container.
        """;
    public override string Description => """
        The state command outputs current state information for the
        instance of a container.
        """;

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        Container c = Container.LoadSummary(inv.Global.Root, ContainerId.Require(inv.Args.Arg(0)));
        // runc prints MarshalIndent output without a trailing newline, and an empty owner here.
        inv.Out.Write(StateJson.Indented(StateJson.From(c, owner: "")));
        return 0;
    }
}
