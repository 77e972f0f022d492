using Skiff.Cgroups;
using Skiff.Cgroups.V2;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.CgroupsV2;

public class ManagerLifecycleTests
{
    [Fact]
    public void ApplyCreatesThePathAndEnablesControllersInEveryAncestor()
    {
        using var cg = new FakeCgroup(controllers: "cpu memory pids");
        string dir = Path.Combine(cg.Root, "a", "b", "ctr");
        // cgroupfs would create these files in new directories; a temp dir needs them beforehand.
        Directory.CreateDirectory(Path.Combine(cg.Root, "a", "b"));
        File.WriteAllText(Path.Combine(cg.Root, "a", "cgroup.subtree_control"), "");
        File.WriteAllText(Path.Combine(cg.Root, "a", "b", "cgroup.subtree_control"), "");
        var m = new Manager(dir, cg.Root);
        m.Apply(-1);
        Assert.True(Directory.Exists(dir));
        Assert.True(m.Exists());
        Assert.Equal("+cpu +memory +pids", File.ReadAllText(Path.Combine(cg.Root, "cgroup.subtree_control")));
        Assert.Equal("+cpu +memory +pids", File.ReadAllText(Path.Combine(cg.Root, "a", "cgroup.subtree_control")));
        Assert.Equal("+cpu +memory +pids", File.ReadAllText(Path.Combine(cg.Root, "a", "b", "cgroup.subtree_control")));
        Assert.False(File.Exists(Path.Combine(dir, "cgroup.subtree_control")));
    }

    [Fact]
    public void ApplyWritesThePid()
    {
        using var cg = new FakeCgroup();
        var m = new Manager(cg.Dir, cg.Root);
        m.Apply(12345);
        Assert.Equal("12345", File.ReadAllText(Path.Combine(cg.Dir, "cgroup.procs")));
    }

    [Fact]
    public void EnableStringFromControllers()
    {
        Assert.Null(Manager.EnableString(""));
        Assert.Null(Manager.EnableString(null));
        Assert.Equal("+cpu +io", Manager.EnableString("cpu io\n"));
    }

    [Fact]
    public void ThreadedCgroupRefusesDomainControllers()
    {
        using var cg = new FakeCgroup();
        File.WriteAllText(Path.Combine(cg.Dir, "cgroup.type"), "threaded\n");
        var m = new Manager(cg.Dir, cg.Root) { Resources = new LinuxResources { Memory = new LinuxMemory { Limit = 10 } } };
        var e = Assert.Throws<CgroupV2Exception>(() => m.Apply(-1));
        Assert.Equal($"cannot enter cgroupv2 \"{cg.Dir}\" with domain controllers -- it is in threaded mode", e.Message);
        new Manager(cg.Dir, cg.Root).Apply(-1); // no domain controllers needed: fine
    }

    [Fact]
    public void PidsOomAndFreezerStateFromFiles()
    {
        using var cg = new FakeCgroup();
        cg.Write("cgroup.procs", "10\n20\n");
        Directory.CreateDirectory(Path.Combine(cg.Dir, "sub"));
        File.WriteAllText(Path.Combine(cg.Dir, "sub", "cgroup.procs"), "30\n");
        cg.Write("memory.events", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 3\noom_group_kill 0\n");
        ICgroupManager m = new Manager(cg.Dir, cg.Root);
        Assert.Equal([10, 20], m.GetPids());
        Assert.Equal([10, 20, 30], m.GetAllPids());
        Assert.Equal(3UL, m.OomKillCount());
        Assert.False(m.IsFrozen());
        cg.Write("cgroup.freeze", "1\n");
        Assert.True(m.IsFrozen());
        cg.Remove("memory.events");
        Assert.Equal(0UL, m.OomKillCount());
    }

    [Fact]
    public void FreezeWaitsForFrozenInCgroupEvents()
    {
        using var cg = new FakeCgroup();
        cg.Write("cgroup.events", "populated 1\nfrozen 1\n");
        var m = new Manager(cg.Dir, cg.Root);
        m.Freeze();
        Assert.Equal("1", cg.Read("cgroup.freeze"));
        m.Thaw();
        Assert.Equal("0", cg.Read("cgroup.freeze"));
    }

    [Fact]
    public void FreezeWithoutFreezerFails()
    {
        using var cg = new FakeCgroup(files: ["cgroup.procs"]);
        var m = new Manager(cg.Dir, cg.Root);
        Assert.Equal("freezer not supported", Assert.Throws<CgroupV2Exception>(m.Freeze).Message);
        m.Thaw(); // nothing to thaw
    }

    [Fact]
    public void KillAllWritesCgroupKill()
    {
        using var cg = new FakeCgroup();
        new Manager(cg.Dir, cg.Root).KillAll();
        Assert.Equal("1", cg.Read("cgroup.kill"));
    }

    [Fact]
    public void DestroyRemovesSubCgroupsAndToleratesMissing()
    {
        using var cg = new FakeCgroup(files: []);
        Directory.CreateDirectory(Path.Combine(cg.Dir, "x", "y"));
        File.Delete(Path.Combine(cg.Dir, "cgroup.controllers"));
        var m = new Manager(cg.Dir, cg.Root);
        m.Destroy();
        Assert.False(Directory.Exists(cg.Dir));
        m.Destroy();
        Assert.False(m.Exists());
        Assert.Empty(m.GetPids());
    }

    [Fact]
    public void ModeOfATempDirIsLegacy() =>
        Assert.Equal(CgroupMode.Legacy, Hierarchy.DetectMode(Path.GetTempPath()));

    [Fact]
    public void ModeOfThisHost()
    {
        if (!Directory.Exists("/sys/fs/cgroup")) return;
        CgroupMode mode = Hierarchy.DetectMode();
        bool unifiedDir = File.Exists("/sys/fs/cgroup/cgroup.controllers");
        bool hybridDir = File.Exists("/sys/fs/cgroup/unified/cgroup.controllers");
        Assert.Equal(unifiedDir ? CgroupMode.Unified : hybridDir ? CgroupMode.Hybrid : CgroupMode.Legacy, mode);
        Assert.Equal(mode == CgroupMode.Hybrid ? "/sys/fs/cgroup/unified" : mode == CgroupMode.Unified ? "/sys/fs/cgroup" : null,
            Hierarchy.UnifiedMountpoint(mode));
    }
}
