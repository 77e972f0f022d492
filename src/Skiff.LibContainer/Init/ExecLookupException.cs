using Skiff.Linux;

namespace Skiff.LibContainer.Init;

/// <summary>The lookup failed: the message is Go's exec.Error text runc prints.</summary>
internal sealed class ExecLookupException : ContainerException
{
    public ExecLookupException(string name, string reason, bool notFound)
        : base($"exec: {GoQuote.Quote(name)}: {reason}")
    {
        Name = name;
        NotFound = notFound;
    }

    public string Name { get; }

    /// <summary>True for "executable file not found in $PATH" (exit 127 for docker), else permission-like (126).</summary>
    public bool NotFound { get; }
}
