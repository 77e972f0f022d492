using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// --pidfd-socket (runc 1.2) on create and exec: a pidfd of the container's process arrives over the socket with
/// SCM_RIGHTS; the kernel's fdinfo of the received fd names the process.
/// </summary>
public sealed class PidfdSocketTests : ContainerTest
{
    private static string SocketPath() => Path.Combine(RepoPaths.TempRoot, "pidfd-" + Guid.NewGuid().ToString("N")[..8] + ".sock");

    private static int PidOf(int fd) =>
        int.Parse(File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("Pid:", StringComparison.Ordinal))[4..].Trim());

    [FactUnlessRunc11("runc 1.1 has no --pidfd-socket")]
    public void CreateSendsAPidfdOfInit()
    {
        using var sock = new ConsoleSocket(SocketPath());
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Create(id, b, "--pidfd-socket", sock.Path).AssertSuccess();
        // the received fd stays the socket's: its Dispose closes it (closing it here too closed some other
        // thread's fd that had taken the number in between)
        var fd = sock.WaitForMaster(TimeSpan.FromSeconds(10));
        Assert.Equal(Rt.State(id)["pid"]!.GetValue<int>(), PidOf(fd));
        Assert.Equal("standard", sock.Name);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 has no --pidfd-socket")]
    public void ExecSendsAPidfdOfTheExecProcess()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        using var sock = new ConsoleSocket(SocketPath());
        var exec = Task.Run(() => Rt.Exec(["exec", "--pidfd-socket", sock.Path, id, "sleep", "5"]));
        var fd = sock.WaitForMaster(TimeSpan.FromSeconds(10)); // closed by the socket's Dispose
        var pid = PidOf(fd);
        Assert.NotEqual(Rt.State(id)["pid"]!.GetValue<int>(), pid);
        Assert.Contains("sleep 5", HostProc.Cmdline(pid));
        Rt.Kill(id, "KILL").AssertSuccess();
        exec.Wait();
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
