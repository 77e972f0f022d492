using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

internal sealed class EventsCommand : NotImplementedCommand
{
    public override string Name => "events";
    public override string Usage => "display container events such as OOM notifications, cpu, memory, and IO usage statistics";
    public override string ArgsUsage => "<container-id>\n\nWhere \"<container-id>\" is the name for the instance of the container.";
    public override string Description => "The events command displays information about the container. By default the\ninformation is displayed once every 5 seconds.";
    protected override int ExpectedArgs => 1;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("interval", "set the stats collection interval", "5s"),
        Flag.Bool("stats", "display the container's stats then exit"),
    ];
}
