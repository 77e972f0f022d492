using Process = System.Diagnostics.Process;
using ProcessStartInfo = System.Diagnostics.ProcessStartInfo;
using Skiff.Cgroups;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Cgroups;

/// <summary>
/// Against the host's real v1 hierarchies, as root: a throwaway cgroup /skiff-test-&lt;random&gt; that holds no
/// process of the test runner; skipped silently when not root or not on cgroup v1.
/// </summary>
public class RealCgroupTests
{
    private static bool Usable => Libc.geteuid() == 0 && Directory.Exists("/sys/fs/cgroup/pids/") &&
                                  File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes");

    private static string NewPath() => "/skiff-test-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void CreateSetDestroy_WritesRealFiles()
    {
        if (!Usable) return;
        ICgroupManager m = CgroupManagerFactory.Create("t", NewPath(), false, false);
        try
        {
            m.Apply(-1);
            m.Set(new LinuxResources
            {
                Pids = new LinuxPids { Limit = 42 },
                Memory = new LinuxMemory { Limit = 64 << 20, Swap = 64 << 20, Swappiness = 0 },
                Cpu = new LinuxCpu { Shares = 256, Quota = 20000, Period = 100000, Cpus = "0", Mems = "0" },
                Devices =
                [
                    new LinuxDeviceCgroup { Allow = false, Access = "rwm" },
                    new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 1, Minor = 3, Access = "rwm" },
                    new LinuxDeviceCgroup { Allow = true, Type = "c", Major = 136, Access = "rw" },
                ],
            });
            string R(string key, string file) => File.ReadAllText(Path.Join(m.Paths[key], file)).Trim();
            Assert.Equal("42", R("pids", "pids.max"));
            Assert.Equal((64 << 20).ToString(), R("memory", "memory.limit_in_bytes"));
            Assert.Equal("256", R("cpu", "cpu.shares"));
            Assert.Equal("20000", R("cpu", "cpu.cfs_quota_us"));
            Assert.Equal("0", R("cpuset", "cpuset.cpus"));
            Assert.Equal("c 1:3 rwm\nc 136:* rw", R("devices", "devices.list"));
            Assert.True(Directory.Exists(m.Paths[""]));

            // Kernel rejections carry the value and the file.
            var ex = Assert.Throws<CgroupException>(() => m.Set(new LinuxResources { Cpu = new LinuxCpu { Cpus = "7" } }));
            Assert.Equal("failed to write \"7\"", ex.Message);
            Assert.StartsWith($"write {m.Paths["cpuset"]}/cpuset.cpus: ", ex.InnerException!.Message);

            Assert.Empty(m.GetAllPids());
            Assert.False(m.IsFrozen());
            Assert.Equal(0UL, m.OomKillCount());
            Assert.True(m.GetStats().Memory.Usage.Limit > 0);
        }
        finally
        {
            m.Destroy();
        }
        foreach (string dir in m.Paths.Values) Assert.False(Directory.Exists(dir), dir);
        m.Destroy();
    }

    /// <summary>
    /// A blkio weight goes to blkio.bfq.weight where the kernel has BFQ, else to blkio.weight; a kernel with neither
    /// (no BFQ, no CFQ: this machine may be one) refuses it naming blkio.weight. Which case this host is, the test
    /// reads from the blkio hierarchy's root first, and checks the behaviour of that case.
    /// </summary>
    [Fact]
    public void BlkioWeight_GoesWhereTheHostHasAWeightFile()
    {
        if (!Usable || !Directory.Exists("/sys/fs/cgroup/blkio")) return;
        bool bfq = File.Exists("/sys/fs/cgroup/blkio/blkio.bfq.weight");
        bool cfq = File.Exists("/sys/fs/cgroup/blkio/blkio.weight");
        ICgroupManager m = CgroupManagerFactory.Create("t", NewPath(), false, false);
        try
        {
            m.Apply(-1);
            var weight = new LinuxResources { BlockIO = new LinuxBlockIO { Weight = 300 } };
            string dir = m.Paths["blkio"];
            if (bfq || cfq)
            {
                m.Set(weight);
                string file = bfq ? "blkio.bfq.weight" : "blkio.weight";
                Assert.Contains("300", File.ReadAllText(Path.Join(dir, file)));
            }
            else
            {
                var ex = Assert.Throws<CgroupException>(() => m.Set(weight));
                Assert.Contains("blkio.weight", ex.InnerException!.Message);
                Assert.DoesNotContain("bfq", ex.InnerException.Message);
            }
        }
        finally
        {
            m.Destroy();
        }
    }

    [Fact]
    public void MemoryLimitBelowUsage_GivesRuncsMessage()
    {
        if (!Usable || File.ReadAllText("/proc/swaps").Split('\n', StringSplitOptions.RemoveEmptyEntries).Length > 1) return;
        ICgroupManager m = CgroupManagerFactory.Create("t", NewPath(), false, false);
        Process? child = null;
        try
        {
            m.Apply(-1);
            // A child (never the test runner) that joins the memory cgroup and then holds ~8 MiB of anonymous memory.
            string memDir = m.Paths["memory"];
            child = Process.Start(new ProcessStartInfo("/bin/sh",
                ["-c", $"echo $$ > {memDir}/cgroup.procs && x=$(head -c 8000000 /dev/zero | tr '\\0' x) && echo ready && sleep 60; echo $x | head -c 1"])
            {
                RedirectStandardOutput = true,
            })!;
            Assert.Equal("ready", child.StandardOutput.ReadLine());
            var ex = Assert.Throws<CgroupException>(() =>
                m.Set(new LinuxResources { Memory = new LinuxMemory { Limit = 1 << 20 } }));
            Assert.Matches(@"^unable to set memory limit to 1048576 \(current usage: \d+, peak usage: \d+\)$", ex.Message);
        }
        finally
        {
            if (child is { HasExited: false }) child.Kill(entireProcessTree: true);
            child?.WaitForExit();
            m.Destroy();
        }
    }

    [Fact]
    public void DefaultPaths_MatchRuncsStateJsonLayout()
    {
        if (!Usable) return;
        ICgroupManager m = CgroupManagerFactory.Create("ctr", null, false, false);
        var own = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).ToDictionary(f => f[1], f => f[2]);
        Assert.Equal("/sys/fs/cgroup/memory" + own["memory"].TrimEnd('/') + "/ctr", m.Paths["memory"]);
        Assert.Equal("/sys/fs/cgroup/unified" + own[""].TrimEnd('/') + "/ctr", m.Paths[""]);
        Assert.Equal("/sys/fs/cgroup/systemd" + own["name=systemd"].TrimEnd('/') + "/ctr", m.Paths["name=systemd"]);
        Assert.False(Directory.Exists(m.Paths["memory"])); // nothing created before Apply
    }
}
