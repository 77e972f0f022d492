namespace Skiff.Cli.Commands;

/// <summary>`features`: not implemented yet (runc prints its features JSON).</summary>
internal sealed class FeaturesCommand : NotImplementedCommand
{
    public override string Name => "features";
    public override string Usage => "show the enabled features";
    public override string Description => "Show the enabled features.\n   The result is parsable as a JSON.\n   See https://github.com/opencontainers/runtime-spec/blob/main/features.md for the type definition.";
    protected override int ExpectedArgs => 0;
}
