namespace Skiff;

/// <summary>
/// Finds the native skiff binary without configuration: an explicit path (<see cref="SkiffRuntimeOptions.BinaryPath"/>,
/// else the SKIFF_BINARY environment variable) wins; otherwise the package's copy next to the app (where the
/// build puts it for a RID-specific app) or under runtimes/linux-x64/native/ (a portable app), or in the
/// NuGet cache's native directory that the host lists for `dotnet run`/`dotnet test`.
/// </summary>
internal static class HelperLocator
{
    public const string EnvVar = "SKIFF_BINARY";
    private const string NativeDir = "runtimes/linux-x64/native";

    public static string Find(string? configured)
    {
        string? explicitPath = string.IsNullOrEmpty(configured) ? Environment.GetEnvironmentVariable(EnvVar) : configured;
        if (!string.IsNullOrEmpty(explicitPath))
        {
            if (!IsExecutable(explicitPath))
                throw new HelperNotFoundException($"skiff binary {explicitPath} is missing or not executable");
            return Path.GetFullPath(explicitPath);
        }
        var tried = new List<string>();
        foreach (string dir in Candidates())
        {
            string path = Path.Combine(dir, "skiff");
            if (tried.Contains(path)) continue;
            tried.Add(path);
            if (IsExecutable(path)) return path;
        }
        throw new HelperNotFoundException("skiff binary not found (looked in " + string.Join(", ", tried) +
            $"); reference the Skiff package from the app project, or set {EnvVar} or SkiffRuntimeOptions.BinaryPath");
    }

    private static IEnumerable<string> Candidates()
    {
        string baseDir = AppContext.BaseDirectory;
        yield return baseDir;
        yield return Path.Combine(baseDir, NativeDir);
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string dirs)
            foreach (string d in dirs.Split(':', StringSplitOptions.RemoveEmptyEntries))
                yield return d;
    }

    private static bool IsExecutable(string path)
    {
        try
        {
            if (!File.Exists(path)) return false;
            var mode = File.GetUnixFileMode(path);
            return (mode & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
