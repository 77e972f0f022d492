namespace Skiff;

/// <summary>
/// A container operation failed. <see cref="Exception.Message"/> is the runtime's full error chain as runc and
/// the skiff CLI print it ("context: cause: ...: syscall path: errno text"), so tools that match runc's
/// phrases (e.g. "executable file not found in $PATH") keep working.
/// </summary>
public class SkiffException : Exception
{
    /// <summary>Creates the exception with the runtime's error chain.</summary>
    /// <param name="message">The error chain, outermost context first, joined with ": ".</param>
    public SkiffException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the runtime's error chain and the exception that caused it.</summary>
    /// <param name="message">The error chain, outermost context first, joined with ": ".</param>
    /// <param name="inner">The cause.</param>
    public SkiffException(string message, Exception? inner) : base(message, inner)
    {
    }

    /// <summary>The error chain split at each ": " (outermost context first), as runc's %w wrapping built it.</summary>
    public IReadOnlyList<string> Chain => Message.Split(": ");

    /// <summary>The exit code of the skiff command that failed, or null when the error came from the library.</summary>
    public int? ExitCode { get; init; }

    /// <summary>The skiff command line that failed (without the binary), or null.</summary>
    public string? Command { get; init; }
}

/// <summary>The container named in an operation does not exist (runc's "container does not exist").</summary>
public sealed class ContainerNotFoundException : SkiffException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The runtime's error chain.</param>
    public ContainerNotFoundException(string message) : base(message)
    {
    }
}

/// <summary>A container with the requested id already exists.</summary>
public sealed class ContainerExistsException : SkiffException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The runtime's error chain.</param>
    public ContainerExistsException(string message) : base(message)
    {
    }
}

/// <summary>The operation is not valid in the container's current state (e.g. start of a stopped container).</summary>
public sealed class ContainerStateException : SkiffException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The runtime's error chain.</param>
    public ContainerStateException(string message) : base(message)
    {
    }
}

/// <summary>
/// The container's process could not be started: the runtime's "unable to start container process" chain,
/// e.g. an executable that is not found (docker maps this to exit 127) or not executable (126).
/// </summary>
public sealed class ContainerStartException : SkiffException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The runtime's error chain.</param>
    public ContainerStartException(string message) : base(message)
    {
    }
}

/// <summary>
/// What was asked needs privileges this process lacks: an ordinary user gets rootless containers (a user
/// namespace, no cgroups unless delegated), so resource limits need root or a delegated cgroup v2.
/// </summary>
public sealed class RootRequiredException : SkiffException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What needs root, and why.</param>
    public RootRequiredException(string message) : base(message)
    {
    }
}

/// <summary>The native skiff helper binary could not be found or is not executable.</summary>
public sealed class HelperNotFoundException : SkiffException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Where the library looked.</param>
    public HelperNotFoundException(string message) : base(message)
    {
    }
}
