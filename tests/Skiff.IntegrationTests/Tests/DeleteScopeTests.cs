using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// delete signals only the container's processes: a host process that joined the container's cgroup (which a
/// container with its own pid namespace does not own) survives the delete of the stopped container.
/// </summary>
public sealed class DeleteScopeTests : ContainerTest
{
    [FactUnlessRunc11("its delete drops the state when the busy cgroup cannot be removed, leaking the cgroup")]
    public void DeleteDoesNotKillAForeignProcessInTheCgroup()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId("scope");
        Rt.CreateAndStart(id, b);
        int init = Rt.State(id)["pid"]!.GetValue<int>();
        string pidsDir = HostProc.CgroupDir(init, "pids") ?? throw new InvalidOperationException("no pids cgroup");
        Rt.Kill(id, "KILL").AssertSuccess();
        Rt.WaitForStatus(id, "stopped");

        using var foreign = Process.Start(new ProcessStartInfo("/bin/sleep", "1000") { UseShellExecute = false })!;
        try
        {
            File.WriteAllText(Path.Combine(pidsDir, "cgroup.procs"), foreign.Id.ToString());
            // control: it really is in the container's cgroup now
            Assert.Equal(pidsDir, HostProc.CgroupDir(foreign.Id, "pids"));
            Rt.Delete(id);
            Thread.Sleep(200);
            Assert.True(HostProc.IsAlive(foreign.Id), "delete killed a process that is not the container's");
        }
        finally
        {
            File.WriteAllText("/sys/fs/cgroup/pids/cgroup.procs", foreign.Id.ToString());
            foreign.Kill();
            foreign.WaitForExit();
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
