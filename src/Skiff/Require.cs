namespace Skiff;

/// <summary>Argument checks the spec builders share.</summary>
internal static class Require
{
    public static void EnvName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('=')) throw new ArgumentException("an environment variable name cannot contain '='", nameof(name));
    }

    public static string Absolute(string path, string what, string paramName)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/') throw new ArgumentException($"{what} must be absolute", paramName);
        return path;
    }
}
