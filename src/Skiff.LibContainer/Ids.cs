namespace Skiff.LibContainer;

/// <summary>Container id rules (runc: letters, digits, '_', '+', '-', '.', not "." or "..").</summary>
public static class Ids
{
    public static void Validate(string id)
    {
        if (id.Length == 0) throw new ContainerException("invalid id format: empty");
        if (id == "." || id == ".." || id.Length > 1024 || !ValidChars(id))
            throw new ContainerException($"invalid container id format: {id}");
    }

    private static bool ValidChars(string id)
    {
        foreach (char c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.')) return false;
        return true;
    }
}
