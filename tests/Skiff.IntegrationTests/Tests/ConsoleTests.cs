using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>terminal: true with --console-socket (runc's tty.bats, detached case).</summary>
public sealed class ConsoleTests : ContainerTest
{
    private string SocketPath() => Path.Combine(RepoPaths.TempRoot, "console-" + Guid.NewGuid().ToString("N")[..8] + ".sock");

    [Fact]
    public void TheMasterIsSentAndCarriesTheOutput()
    {
        using var console = new ConsoleSocket(SocketPath());
        var b = NewBundle("sh", "-c", "tty; echo hello-console; test -t 0 && test -t 1 && test -t 2 && echo all-ttys").Terminal(true);
        var id = NewId();
        Rt.Create(id, b, "--console-socket", console.Path).AssertSuccess();
        var master = console.WaitForMaster(TimeSpan.FromSeconds(10));
        Assert.True(master >= 0);
        Rt.Start(id).AssertSuccess();
        var output = console.ReadOutput(TimeSpan.FromSeconds(10), until: "all-ttys");
        Assert.Contains("/dev/pts/0", output);
        Assert.Contains("hello-console\r\n", output);
        Assert.Contains("all-ttys", output);
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void InputWrittenToTheMasterReachesTheContainer()
    {
        using var console = new ConsoleSocket(SocketPath());
        var b = NewBundle("sh", "-c", "read line; echo got:$line").Terminal(true);
        var id = NewId();
        Rt.Create(id, b, "--console-socket", console.Path).AssertSuccess();
        console.WaitForMaster(TimeSpan.FromSeconds(10));
        Rt.Start(id).AssertSuccess();
        console.Write("typed\n");
        var output = console.ReadOutput(TimeSpan.FromSeconds(10), until: "got:typed");
        Assert.Contains("got:typed", output);
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TerminalWithoutAConsoleSocketFailsOnCreate()
    {
        var b = NewBundle("true").Terminal(true);
        var id = NewId();
        Rt.Create(id, b).AssertFailure("cannot allocate tty if {prog} will detach without setting console socket");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AConsoleSocketWithoutTerminalFails()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.Create(id, b, "--console-socket", SocketPath()).AssertFailure("cannot use console socket if {prog} will not detach or allocate tty");
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1's relayed output keeps \\r\\n")]
    public void AForegroundRunOnATerminalRelaysLinesWithoutCarriageReturns()
    {
        // the caller's stdin is a terminal (script(1) gives it one); the same program's output without a terminal
        // is "a\nb\n", and runc 1.2 relays the container's pty with ONLCR cleared, so it compares equal
        var b = NewBundle("sh", "-c", "sleep 0.5; echo a; echo b").Terminal(true);
        b.Save();
        var id = NewId();
        var cmd = $"{RepoPaths.RuntimePath} --root {Rt.Root} run -b {b.Dir} {id}";
        var psi = new System.Diagnostics.ProcessStartInfo("script", ["-qec", cmd, "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        using var script = System.Diagnostics.Process.Start(psi)!;
        script.StandardInput.Close();
        var output = script.StandardOutput.ReadToEnd();
        script.WaitForExit();
        Assert.Equal(0, script.ExitCode);
        // (script echoes the end of its own input as "^@" before the container's output)
        Assert.EndsWith("a\nb\n", output);
        Assert.DoesNotContain("\r", output);
        AssertNothingLeaked(id, b);
    }
}
