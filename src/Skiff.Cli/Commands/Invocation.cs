using Skiff.Cli.CommandLine;

namespace Skiff.Cli.Commands;

/// <summary>What a command runs with: the global options, its own parsed flags and arguments, and stdout.</summary>
internal sealed class Invocation
{
    public Invocation(GlobalOptions global, Command command, ParsedArgs args, TextWriter output, TextWriter error)
    {
        Global = global;
        Command = command;
        Args = args;
        Out = output;
        Err = error;
    }

    public GlobalOptions Global { get; }
    public Command Command { get; }
    public ParsedArgs Args { get; }
    public TextWriter Out { get; }
    public TextWriter Err { get; }

    /// <summary>runc's checkArgs: exact / minimum / maximum positional argument counts.</summary>
    public void CheckArgs(int expected, ArgCheck check)
    {
        int n = Args.Positional.Count;
        string? err = check switch
        {
            ArgCheck.Exact when n != expected => $"{App.ProgramName}: \"{Command.Name}\" requires exactly {expected} argument(s)",
            ArgCheck.Min when n < expected => $"{App.ProgramName}: \"{Command.Name}\" requires a minimum of {expected} argument(s)",
            ArgCheck.Max when n > expected => $"{App.ProgramName}: \"{Command.Name}\" requires a maximum of {expected} argument(s)",
            _ => null,
        };
        if (err is not null) throw new UsageException(err, argCount: true);
    }

    /// <summary>runc's getContainer: the first argument, validated, loaded from --root.</summary>
    public Skiff.LibContainer.Container GetContainer()
    {
        string id = ContainerId.Require(Args.Arg(0));
        return Skiff.LibContainer.Container.Load(Global.Root, id);
    }
}

internal enum ArgCheck { Exact, Min, Max }
