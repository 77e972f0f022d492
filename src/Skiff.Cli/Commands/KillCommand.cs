using Skiff.Cli.CommandLine;
using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

internal sealed class KillCommand : Command
{
    public override string Name => "kill";
    public override string Usage => "kill sends the specified signal (default: SIGTERM) to the container's init process";
    public override string ArgsUsage => """
        <container-id> [signal]

        Where "<container-id>" is the name for the instance of the container and
        "[signal]" is the signal to be sent to the init process.

        EXAMPLE:
        For example, if the container id is "ubuntu01" the following will send a "KILL"
        signal to the init process of the "ubuntu01" container:

               # skiff kill ubuntu01 KILL
        """;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Bool("all", "send the specified signal to all processes inside the container", "a"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Min);
        inv.CheckArgs(2, ArgCheck.Max);
        Container c = inv.GetContainer();
        string sig = inv.Args.Arg(1);
        if (sig.Length == 0) sig = "SIGTERM";
        int signal = Signals.Parse(sig);
        c.Signal(signal, inv.Args.Bool("all"));
        return 0;
    }
}
