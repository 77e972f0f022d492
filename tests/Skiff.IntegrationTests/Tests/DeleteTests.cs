using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`delete` (runc's delete.bats).</summary>
public sealed class DeleteTests : ContainerTest
{
    [Fact]
    public void DeleteAStoppedContainer()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        Rt.StateRaw(id).AssertFailure("container does not exist");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void DeleteARunningContainerWithoutForceFails()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.Delete(id).AssertFailure("cannot delete container " + id + " that is not stopped: running");
        Assert.Equal("running", Rt.Status(id));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void DeleteForceKillsARunningContainer()
    {
        var b = ShellBundle("sleep 100 & sleep 100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(HostProc.IsAlive(pid));
        Rt.StateRaw(id).AssertFailure("container does not exist");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void DeleteACreatedContainerKillsItsInit()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Rt.Delete(id).AssertSuccess();
        Assert.False(HostProc.IsAlive(pid));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void DeleteForceOfAnUnknownContainerSucceeds()
    {
        var id = NewId();
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id);
    }

    [Fact]
    public void DeleteOfAnUnknownContainerFails()
    {
        var id = NewId();
        Rt.Delete(id).AssertFailure("container does not exist", exitCode: 1);
        AssertNothingLeaked(id);
    }
}
