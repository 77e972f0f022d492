using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Failures of init after the sync socket is closed (startContainer hooks, execve itself) reach the caller exactly
/// once, on the process' stderr, with runc's text; failures before it come once as runc's error chain.
/// </summary>
public sealed class InitErrorTests : ContainerTest
{
    private static int Count(string text, string fragment)
    {
        int n = 0;
        for (int i = text.IndexOf(fragment, StringComparison.Ordinal); i >= 0; i = text.IndexOf(fragment, i + 1, StringComparison.Ordinal))
        {
            n++;
        }
        return n;
    }

    private void AssertOnce(RunResult r, string fragment)
    {
        Assert.NotEqual(0, r.ExitCode);
        Assert.True(Count(r.Stderr + r.Stdout, fragment) == 1, $"expected '{fragment}' exactly once:\nstderr:\n{r.Stderr}\nstdout:\n{r.Stdout}");
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void ANonExecutableBinaryIsExecFormatError()
    {
        var b = NewBundle("/garbage").PrivateRootfs();
        File.WriteAllText(Path.Combine(b.RootfsPath, "garbage"), "this is not a program\n");
        File.SetUnixFileMode(Path.Combine(b.RootfsPath, "garbage"), (UnixFileMode)0x1ED);
        var id = NewId();
        AssertOnce(Rt.Run(id, b), "exec /garbage: exec format error");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AMissingShebangInterpreterIsNoSuchFile()
    {
        var b = NewBundle("/run.sh").PrivateRootfs();
        File.WriteAllText(Path.Combine(b.RootfsPath, "run.sh"), "#!/no/such/interpreter\necho hi\n");
        File.SetUnixFileMode(Path.Combine(b.RootfsPath, "run.sh"), (UnixFileMode)0x1ED);
        var id = NewId();
        AssertOnce(Rt.Run(id, b), "exec /run.sh: no such file or directory");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ExecOfAMissingShebangInterpreterSaysWhyOnce()
    {
        var b = NewBundle("sleep", "100").PrivateRootfs();
        File.WriteAllText(Path.Combine(b.RootfsPath, "run.sh"), "#!/no/such/interpreter\necho hi\n");
        File.SetUnixFileMode(Path.Combine(b.RootfsPath, "run.sh"), (UnixFileMode)0x1ED);
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var r = Rt.Exec("exec", id, "/run.sh");
        AssertOnce(r, "exec /run.sh: no such file or directory");
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AHugeEnvironmentIsArgumentListTooLong()
    {
        var b = NewBundle("true");
        b.Env("HUGE", new string('x', 10 << 20));
        var id = NewId();
        AssertOnce(Rt.Run(id, b), "exec /bin/true: argument list too long");
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 numbers hooks without their kind: \"error running hook #1\"")]
    public void AFailingStartContainerHookIsReported()
    {
        var b = NewBundle("true");
        b.AddHook("startContainer", "/bin/true", ["true"]);
        b.AddHook("startContainer", "/bin/false", ["false"]);
        var id = NewId();
        AssertOnce(Rt.Run(id, b), "error running startContainer hook #1: ");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AfterCreateAndStartTheErrorIsOnTheContainersStderr()
    {
        var b = NewBundle("/garbage").PrivateRootfs();
        File.WriteAllText(Path.Combine(b.RootfsPath, "garbage"), "junk\n");
        File.SetUnixFileMode(Path.Combine(b.RootfsPath, "garbage"), (UnixFileMode)0x1ED);
        var id = NewId();
        var created = Rt.Create(id, b).AssertSuccess();
        Rt.Start(id).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Assert.Equal(1, Count(created.Stderr, "exec /garbage: exec format error"));
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
