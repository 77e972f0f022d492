namespace Skiff.IntegrationTests.Harness;

/// <summary>Where the repository, the runtime under test and the scratch directories are.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> s_repoRoot = new(FindRepoRoot);

    /// <summary>The repository root (the directory holding skiff.slnx).</summary>
    public static string RepoRoot => s_repoRoot.Value;

    /// <summary>The runtime binary under test: env SKIFF_RUNTIME, else &lt;repo&gt;/out/skiff.</summary>
    public static string RuntimePath
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("SKIFF_RUNTIME");
            return string.IsNullOrEmpty(env) ? Path.Combine(RepoRoot, "out", "skiff") : Path.GetFullPath(env);
        }
    }

    /// <summary>The runtime's program name as it appears in its messages ("skiff", "runc").</summary>
    public static string ProgramName => Path.GetFileName(RuntimePath);

    /// <summary>True when the oracle (runc) is under test rather than skiff.</summary>
    public static bool IsRunc => ProgramName == "runc";

    /// <summary>Scratch space for bundles and I/O files of this test run.</summary>
    public static string TempRoot { get; } = CreateDir(Path.Combine("/tmp/skiff-it", $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..16]));

    /// <summary>Parent of the per-test --root state directories (on tmpfs, as runc's /run/runc).</summary>
    public static string StateRoot { get; } = CreateDir(Path.Combine("/run/skiff-it", $"{Environment.ProcessId}-{Guid.NewGuid():N}"[..16]));

    static RepoPaths()
    {
        // Per-test cleanup removes bundles and roots; this removes what is left of the run's scratch space.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            Runtime.TryDelete(TempRoot);
            Runtime.TryDelete(StateRoot);
        };
    }

    private static string CreateDir(string path)
    {
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "skiff.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"skiff.slnx not found above {AppContext.BaseDirectory}");
    }
}
