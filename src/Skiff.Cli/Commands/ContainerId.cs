using Skiff.LibContainer;

namespace Skiff.Cli.Commands;

/// <summary>runc's container id rules (libcontainer validateID and the CLI's errEmptyID).</summary>
internal static class ContainerId
{
    public const string EmptyIdError = "container id cannot be empty";
    public const string InvalidIdError = "invalid container ID format";

    /// <summary>runc 1.1/1.2 accept ^[\w+-\.]+$ (the class "+-\." is the range '+'..'.', so ',' passes too),
    /// and reject ids that path-clean to something else ("." , "..").</summary>
    public static bool IsValid(string id)
    {
        if (id.Length == 0) return false;
        foreach (char c in id)
        {
            bool ok = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '_' or (>= '+' and <= '.');
            if (!ok) return false;
        }
        // "/" + id must equal filepath.Clean("/" + id): only "." and ".." fail with these characters.
        return id != "." && id != "..";
    }

    public static string Require(string id)
    {
        if (id.Length == 0) throw new ContainerException(EmptyIdError);
        if (!IsValid(id)) throw new ContainerException(InvalidIdError);
        return id;
    }
}
