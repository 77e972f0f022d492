using System.Diagnostics;
using Skiff.Cgroups.V2;
using Xunit;
using Xunit.Abstractions;

namespace Skiff.UnitTests.CgroupsV2;

/// <summary>cgroup.freeze and cgroup.kill on a real cgroup of our own (root only).</summary>
public class FreezerKernelTests(ITestOutputHelper output)
{
    [Fact]
    public void FreezeThawAndKillASleep()
    {
        using RealCgroup? cg = RealCgroup.TryCreate(out string reason);
        if (cg is null) { output.WriteLine(reason); return; }
        // The test cgroup is the mount root for the manager, so Apply touches nothing of the host's.
        var m = new Manager(Path.Combine(cg.Dir, "ctr"), cg.Dir);
        using Process sleep = Process.Start("sleep", "60");
        try
        {
            m.Apply(sleep.Id);
            Assert.Equal([sleep.Id], m.GetPids());
            Assert.Equal([sleep.Id], m.GetAllPids());
            Assert.False(m.IsFrozen());

            m.Freeze();
            Assert.True(m.IsFrozen());
            Assert.Contains("frozen 1", File.ReadAllText(Path.Combine(m.Dir, "cgroup.events")));
            m.Thaw();
            Assert.False(m.IsFrozen());
            Assert.Contains("frozen 0", File.ReadAllText(Path.Combine(m.Dir, "cgroup.events")));

            m.KillAll();
            Assert.True(sleep.WaitForExit(5000));
            for (int i = 0; i < 100 && m.GetPids().Count > 0; i++) Thread.Sleep(10);
            Assert.Empty(m.GetPids());
            Assert.Equal(0UL, m.OomKillCount());
            m.Destroy();
            Assert.False(m.Exists());
        }
        finally
        {
            if (!sleep.HasExited) sleep.Kill();
        }
    }

    [Fact]
    public void EbusyOnANonLeafIsExplained()
    {
        using RealCgroup? cg = RealCgroup.TryCreate(out string reason);
        if (cg is null) { output.WriteLine(reason); return; }
        string controllers = File.ReadAllText(Path.Combine(cg.Dir, "cgroup.controllers")).Trim();
        if (controllers.Length == 0) { output.WriteLine("skipped: no controllers to enable in " + cg.Dir); return; }
        var parent = new Manager(Path.Combine(cg.Dir, "p"), cg.Dir);
        var child = new Manager(Path.Combine(cg.Dir, "p", "c"), cg.Dir);
        child.Apply(-1); // enables the controllers in p's subtree_control
        if (File.ReadAllText(Path.Combine(parent.Dir, "cgroup.subtree_control")).Trim().Length == 0)
        { output.WriteLine("skipped: could not enable controllers"); return; }
        using Process sleep = Process.Start("sleep", "60");
        try
        {
            var e = Assert.Throws<CgroupV2Exception>(() => parent.Apply(sleep.Id));
            output.WriteLine(e.Message);
            Assert.Contains("no internal processes", e.Message);
        }
        finally { sleep.Kill(); sleep.WaitForExit(); }
    }
}
