namespace Skiff.LibContainer.Init;

/// <summary>`skiff init` entry (stub: the lead replaces this file). Public because the CLI assembly is named
/// "skiff", which the InternalsVisibleTo("Skiff.Cli") in the project file does not match.</summary>
public static class InitEntry
{
    /// <summary>Runs init; returns the exit code.</summary>
    public static int Run() => throw new NotImplementedException();
}
