using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// What create checks about a cgroup that exists already (runc 1.2's factory checks): processes in it fail the
/// create, and so does a frozen one (fast: the container's init would otherwise freeze on its first step). Neither
/// failure may touch the cgroup, which is not the new container's.
/// </summary>
public sealed class CgroupCreateTests : ContainerTest
{
    [FactUnlessRunc11("runc 1.1 only warns about a non-empty cgroup")]
    public void CreateInACgroupWithProcessesFails()
    {
        var first = NewId();
        var path = "/skiff-it-" + first;
        // (named after the first container: its delete removes it, and the leak check looks for it)
        var a = NewBundle("sleep", "100").CgroupsPath(path);
        Rt.CreateAndStart(first, a);
        var pid = Rt.State(first)["pid"]!.GetValue<int>();

        var second = NewId();
        var b = NewBundle("sleep", "100").CgroupsPath(path);
        Rt.Create(second, b).AssertFailure("container's cgroup is not empty");
        AssertNothingLeaked(second, b);
        // the first container and its cgroup are untouched
        Assert.Equal("running", Rt.Status(first));
        Assert.Contains(pid.ToString(), File.ReadAllLines("/sys/fs/cgroup/pids" + path + "/cgroup.procs"));
        Rt.Delete(first, force: true).AssertSuccess();
        AssertNothingLeaked(first, a);
    }

    [FactUnlessRunc11("runc 1.1 does not check the freezer state before create")]
    public void CreateInAFrozenCgroupFailsFast()
    {
        var id = NewId();
        var path = "/skiff-it-frozen-" + Guid.NewGuid().ToString("N")[..12]; // not named after the container
        var freezer = "/sys/fs/cgroup/freezer" + path;
        Directory.CreateDirectory(freezer);
        try
        {
            File.WriteAllText(Path.Combine(freezer, "freezer.state"), "FROZEN");
            Assert.Equal("FROZEN", File.ReadAllText(Path.Combine(freezer, "freezer.state")).Trim());
            var b = NewBundle("true").CgroupsPath(path);
            Rt.Create(id, b).AssertFailure("container's cgroup unexpectedly frozen");
            AssertNothingLeaked(id, b);
            Assert.True(Directory.Exists(freezer), "the frozen cgroup was not the container's to remove");
            Assert.False(Directory.Exists("/sys/fs/cgroup/pids" + path), "no cgroup was created");
        }
        finally
        {
            File.WriteAllText(Path.Combine(freezer, "freezer.state"), "THAWED");
            Directory.Delete(freezer);
        }
    }
}
