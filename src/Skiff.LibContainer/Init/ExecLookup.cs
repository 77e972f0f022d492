using Skiff.Linux;

namespace Skiff.LibContainer.Init;

/// <summary>
/// Finds process.args[0] as runc does in the container after the root switch: Go's exec.LookPath (runc 1.1.5's
/// Go 1.19 rules: a directory or a file without any x bit is "permission denied", a hit in a relative PATH entry
/// is refused with ErrDot), then runc's extra eaccess(X_OK) so an executable on a noexec mount fails here with
/// <c>exec /path: permission denied</c> instead of after the sync.
/// </summary>
internal static class ExecLookup
{
    public const string ErrNotFound = "executable file not found in $PATH";
    public const string ErrDot = "cannot run executable found relative to current directory";

    public static string Find(string arg0, IReadOnlyList<string> env)
    {
        string name = LookPath(arg0, GetPath(env));
        Errno e = Libc.Eaccess(name);
        if (e != Errno.OK) throw new SyscallException("exec", e, name);
        return name;
    }

    /// <summary>Go's exec.LookPath with PATH given explicitly (null or "" searches nothing).</summary>
    public static string LookPath(string file, string? path)
    {
        if (file.Contains('/'))
        {
            string? err = FindExecutable(file);
            if (err is null) return file;
            throw new ExecLookupException(file, err, notFound: false);
        }
        if (!string.IsNullOrEmpty(path))
        {
            foreach (string entry in path.Split(':'))
            {
                string dir = entry.Length == 0 ? "." : entry;
                string candidate = Join(dir, file);
                if (FindExecutable(candidate) is not null) continue;
                if (!candidate.StartsWith('/')) throw new ExecLookupException(file, ErrDot, notFound: false);
                return candidate;
            }
        }
        throw new ExecLookupException(file, ErrNotFound, notFound: true);
    }

    /// <summary>Go 1.19's findExecutable: null when runnable, else the error text.</summary>
    private static string? FindExecutable(string file)
    {
        Errno e = Libc.TryStatIds(file, out FileIds st);
        if (e != Errno.OK) return $"stat {file}: {e.Text()}";
        if (!st.IsDir && (st.Mode & 0x49) != 0) return null; // 0111
        return Errno.EACCES.Text();
    }

    private static string? GetPath(IReadOnlyList<string> env)
    {
        string? path = null;
        foreach (string kv in env)
            if (kv.StartsWith("PATH=", StringComparison.Ordinal)) path = kv[5..];
        return path;
    }

    /// <summary>filepath.Join(dir, file): joined and cleaned.</summary>
    internal static string Join(string dir, string file) => Clean(dir + "/" + file);

    /// <summary>Go's path.Clean for the cases PATH entries produce.</summary>
    internal static string Clean(string p) => Skiff.Linux.GoPath.Clean(p);
}
