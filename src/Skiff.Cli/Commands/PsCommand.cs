using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

internal sealed class PsCommand : NotImplementedCommand
{
    public override string Name => "ps";
    public override string Usage => "ps displays the processes running inside a container";
    public override string ArgsUsage => "<container-id> [ps options]";
    public override bool SkipArgReorder => true;
    protected override int ExpectedArgs => 1;
    protected override ArgCheck Check => ArgCheck.Min;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("format", "select one of: table or json", "table", "f"),
    ];
}
