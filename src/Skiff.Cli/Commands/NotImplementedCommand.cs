using Skiff.Cli.CommandLine;
using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

/// <summary>A verb runc has that skiff does not do yet: runc's argument checks, then a clear error.</summary>
internal abstract class NotImplementedCommand : Command
{
    protected abstract int ExpectedArgs { get; }
    protected virtual ArgCheck Check => ArgCheck.Exact;

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(ExpectedArgs, Check);
        throw new ContainerException($"{App.Name} {Name}: not implemented yet");
    }
}
