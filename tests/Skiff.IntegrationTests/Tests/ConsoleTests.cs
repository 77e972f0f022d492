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
}
