using System.Text;
using System.Text.RegularExpressions;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// The outcome of one runtime invocation. Stdout/stderr were redirected to files, which a detached
/// container (create) keeps writing to: <see cref="Stdout"/> re-reads the file on every access.
/// </summary>
public sealed partial class RunResult
{
    internal RunResult(IReadOnlyList<string> args, int exitCode, string stdoutPath, string stderrPath)
    {
        Args = args;
        ExitCode = exitCode;
        StdoutPath = stdoutPath;
        StderrPath = stderrPath;
    }

    /// <summary>The arguments after the global options.</summary>
    public IReadOnlyList<string> Args { get; }

    /// <summary>Exit status; 128+n when the runtime died of signal n.</summary>
    public int ExitCode { get; }

    public string StdoutPath { get; }

    public string StderrPath { get; }

    public string Stdout => ReadShared(StdoutPath);

    public string Stderr => ReadShared(StderrPath);

    /// <summary>
    /// The error messages the runtime printed: the msg of logrus text lines
    /// (<c>time="…" level=error msg="…"</c>), unescaped, or the raw non-empty lines otherwise.
    /// </summary>
    public IReadOnlyList<string> ErrorMessages
    {
        get
        {
            var list = new List<string>();
            foreach (var line in Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var m = LogrusMsg().Match(line);
                list.Add(m.Success ? Unescape(m.Groups[1].Value) : line.Trim());
            }
            return list;
        }
    }

    /// <summary>Asserts exit code 0, showing the output otherwise.</summary>
    public RunResult AssertSuccess()
    {
        if (ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"{Describe()} failed with exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        return this;
    }

    /// <summary>
    /// Asserts a non-zero exit and that some error message contains <paramref name="fragment"/>, where
    /// "{prog}" stands for the runtime's program name (runc or skiff).
    /// </summary>
    public RunResult AssertFailure(string? fragment = null, int? exitCode = null)
    {
        if (ExitCode == 0)
        {
            throw new Xunit.Sdk.XunitException($"{Describe()} succeeded but was expected to fail\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        if (exitCode is int want && ExitCode != want)
        {
            throw new Xunit.Sdk.XunitException($"{Describe()} exited {ExitCode}, expected {want}\nstderr:\n{Stderr}");
        }
        if (fragment != null)
        {
            var expected = fragment.Replace("{prog}", RepoPaths.ProgramName, StringComparison.Ordinal);
            if (!ErrorMessages.Any(m => m.Contains(expected, StringComparison.Ordinal)))
            {
                throw new Xunit.Sdk.XunitException($"{Describe()}: no error message contains\n  {expected}\nmessages:\n  {string.Join("\n  ", ErrorMessages)}");
            }
        }
        return this;
    }

    public string Describe() => $"{RepoPaths.ProgramName} {string.Join(' ', Args)}";

    private static string ReadShared(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var sr = new StreamReader(fs, Encoding.UTF8);
        return sr.ReadToEnd();
    }

    private static string Unescape(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
                sb.Append(s[i] switch { 'n' => '\n', 't' => '\t', _ => s[i] });
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }

    [GeneratedRegex("""level=\w+ msg="((?:[^"\\]|\\.)*)"(?:\s|$)""")]
    private static partial Regex LogrusMsg();
}
