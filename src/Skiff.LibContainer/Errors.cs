using System.Text;
using Skiff.Linux;

namespace Skiff.LibContainer;

/// <summary>An error with its own context; the cause is the InnerException (Go's "%w").</summary>
public class ContainerException : Exception
{
    public ContainerException(string message) : base(message) { }
    public ContainerException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>The container id names no container.</summary>
public sealed class ContainerNotExistException : ContainerException
{
    public ContainerNotExistException(string id) : base("container does not exist") => Id = id;
    public string Id { get; }
}

/// <summary>An error reported by `skiff init` (runc's initError) over the sync socket or the log pipe.</summary>
public sealed class InitException : ContainerException
{
    public InitException(string message) : base(message) { }
}

public static class ErrorText
{
    /// <summary>Joins the InnerException chain with ": " as Go's fmt.Errorf("%w") chains print.</summary>
    public static string Render(Exception ex)
    {
        var sb = new StringBuilder();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e.Message.Length == 0) continue;
            if (sb.Length > 0) sb.Append(": ");
            sb.Append(e.Message);
        }
        return sb.ToString();
    }

    /// <summary>Whether any exception in the chain is a failed syscall with <paramref name="errno"/>.</summary>
    public static bool Has(this Exception ex, Errno errno)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is SyscallException se && se.Errno == errno) return true;
        return false;
    }

    public static bool Has<T>(this Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
            if (e is T) return true;
        return false;
    }
}
