namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// runc's runner.checkTerminal, for `create`, `run` and `exec`: a detached process with a terminal needs a
    /// console socket to send the master to, and a console socket is only used by a detached process with one.
    /// </summary>
    public static void CheckTerminal(bool detach, bool terminal, string? consoleSocket)
    {
        if (detach && terminal && consoleSocket is null)
            throw new ContainerException($"cannot allocate tty if {ProgramName} will detach without setting console socket");
        if ((!detach || !terminal) && consoleSocket is not null)
            throw new ContainerException($"cannot use console socket if {ProgramName} will not detach or allocate tty");
    }

    /// <summary>The runtime's name in messages that name it, as runc's do ("runc", here "skiff").</summary>
    public const string ProgramName = "skiff";
}
