using System.Diagnostics;
using Xunit;

namespace Skiff.UnitTests.Processes;

/// <summary>The C bootstrap is checked as crun checks its C: gcc's static analyzer and clang-format.</summary>
public class NsexecStaticChecksTests
{
    private static string NsexecDir()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "skiff.slnx"))) dir = Path.GetDirectoryName(dir);
        return Path.Combine(dir ?? throw new InvalidOperationException("repository root not found"), "native", "nsexec");
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = NsexecDir() };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [Fact]
    public void GccAnalyzerFindsNothing()
    {
        var (code, output) = Run("gcc", "-std=gnu11", "-fanalyzer", "-Wall", "-Wextra", "-Werror", "-fsyntax-only", "nsexec.c");
        Assert.True(code == 0, output);
    }

    [Fact]
    public void ClangFormatIsClean()
    {
        var (code, output) = Run("clang-format", "--dry-run", "-Werror", "nsexec.c", "nsexec.h");
        Assert.True(code == 0, output);
    }
}
