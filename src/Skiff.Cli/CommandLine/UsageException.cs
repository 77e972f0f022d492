namespace Skiff.Cli.CommandLine;

/// <summary>A flag error (Go's flag package wording); the CLI prints "Incorrect Usage" and the help.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message, bool argCount = false) : base(message) => ArgCount = argCount;

    /// <summary>True for runc's checkArgs errors (printed as "Incorrect Usage." without the message).</summary>
    public bool ArgCount { get; }
}
