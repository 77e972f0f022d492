using Skiff.Cli.CommandLine;
using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

internal sealed class ListCommand : Command
{
    public override string Name => "list";
    public override string Usage => "lists containers started by skiff with the given root";
    public override string ArgsUsage => $"""


        Where the given root is specified via the global option "--root"
        (default: "{App.DefaultRoot}").

        EXAMPLE 1:
        To list containers created via the default "--root":
               # skiff list

        EXAMPLE 2:
        To list containers created using a non-default value for "--root":
               # skiff --root value list
        """;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("format", "select one of: table or json", "table", "f"),
        Flag.Bool("quiet", "display only container IDs", "q"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(0, ArgCheck.Exact);
        string format = inv.Args.String("format", "table");
        bool quiet = inv.Args.Bool("quiet");
        var states = new List<StateJson.ContainerState>();
        foreach (Container c in Container.List(inv.Global.Root, summaryOnly: true))
            states.Add(StateJson.From(c, c.Owner));
        if (quiet)
        {
            foreach (var s in states) inv.Out.Write(s.Id + "\n");
            return 0;
        }
        switch (format)
        {
            case "table":
                inv.Out.Write(StateJson.Table(states));
                return 0;
            case "json":
                inv.Out.Write(StateJson.Compact(states) + "\n");
                return 0;
            default:
                throw new ContainerException("invalid format option");
        }
    }
}
