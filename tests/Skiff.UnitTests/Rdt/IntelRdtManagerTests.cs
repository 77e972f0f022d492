using Skiff.RuntimeSpec.Json;
using Skiff.Cgroups.Rdt;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Rdt;

/// <summary>Against a temp directory laid out like /sys/fs/resctrl (no resctrl on this machine).</summary>
public sealed class IntelRdtManagerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "skiff-resctrl-" + Guid.NewGuid().ToString("N")[..8]);

    public IntelRdtManagerTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "info", "L3"));
        Directory.CreateDirectory(Path.Combine(_root, "info", "MB"));
        Directory.CreateDirectory(Path.Combine(_root, "info", "L3_MON"));
        File.WriteAllText(Path.Combine(_root, "info", "L3", "cbm_mask"), "fffff\n");
        File.WriteAllText(Path.Combine(_root, "info", "L3", "min_cbm_bits"), "1\n");
        File.WriteAllText(Path.Combine(_root, "info", "L3", "num_closids"), "16\n");
        File.WriteAllText(Path.Combine(_root, "info", "MB", "min_bandwidth"), "10\n");
        File.WriteAllText(Path.Combine(_root, "info", "last_cmd_status"), "ok\n");
        File.WriteAllText(Path.Combine(_root, "schemata"), "L3:0=fffff\nMB:0=100\n");
        File.WriteAllText(Path.Combine(_root, "tasks"), "1\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>resctrl makes these files in a new group; a temp dir needs them made.</summary>
    private static void Populate(string group)
    {
        Directory.CreateDirectory(group);
        File.WriteAllText(Path.Combine(group, "tasks"), "");
        File.WriteAllText(Path.Combine(group, "schemata"), "");
        Directory.CreateDirectory(Path.Combine(group, "mon_groups"));
    }

    [Fact]
    public void GroupIsNamedAfterTheContainerAndRemovedAtDestroy()
    {
        var cfg = new LinuxIntelRdt { L3CacheSchema = "L3:0=f0", MemBwSchema = "MB:0=50" };
        var m = new IntelRdtManager(cfg, "ctr1", _root);
        Assert.Equal(Path.Combine(_root, "ctr1"), m.GroupPath);
        m.Apply(4242);
        Assert.True(m.Created);
        m.Set();
        // a test tree (not resctrl) keeps every pid written, one a line, as resctrl lists its tasks
        Assert.Equal("4242\n", File.ReadAllText(Path.Combine(m.GroupPath, "tasks")));
        Assert.Equal("L3:0=f0\nMB:0=50\n", File.ReadAllText(Path.Combine(m.GroupPath, "schemata")));
        Assert.Equal([4242], m.GetTasks());
        m.Destroy();
        Assert.False(Directory.Exists(m.GroupPath));
    }

    [Fact]
    public void ApplyCreatesTheGroupDirectory()
    {
        var m = new IntelRdtManager(new LinuxIntelRdt { L3CacheSchema = "L3:0=f" }, "new", _root);
        // resctrl would populate tasks on mkdir; here the write then creates nothing, so use pid -1.
        m.Apply(-1);
        Assert.True(Directory.Exists(m.GroupPath));
    }

    [Fact]
    public void SchemataLinesFollowTheLegacyFields()
    {
        var cfg = new LinuxIntelRdt { L3CacheSchema = "L3:0=f0", Schemata = ["MB:0=20", "L2:0=3"] };
        var m = new IntelRdtManager(cfg, "c", _root);
        Populate(m.GroupPath);
        m.Set();
        Assert.Equal("L3:0=f0\nMB:0=20\nL2:0=3\n", File.ReadAllText(Path.Combine(m.GroupPath, "schemata")));
    }

    [Fact]
    public void NoSchemaWritesNothing()
    {
        var m = new IntelRdtManager(new LinuxIntelRdt { ClosId = "shared" }, "c", _root);
        Populate(m.GroupPath);
        File.WriteAllText(Path.Combine(m.GroupPath, "schemata"), "L3:0=3\n");
        m.Set();
        Assert.Equal("L3:0=3\n", File.ReadAllText(Path.Combine(m.GroupPath, "schemata")));
    }

    [Fact]
    public void ANamedClosMustExistWhenNoSchemaIsGiven()
    {
        var m = new IntelRdtManager(new LinuxIntelRdt { ClosId = "missing" }, "c", _root);
        var e = Assert.Throws<IntelRdtException>(() => m.Apply(1));
        Assert.Equal("clos dir not accessible (must be pre-created when schemata, l3CacheSchema and memBwSchema are empty)", e.Message);
        Assert.Contains("no such file or directory", e.InnerException!.Message);
    }

    [Fact]
    public void ANamedClosIsSharedAndKeptAtDestroy()
    {
        var cfg = new LinuxIntelRdt { ClosId = "shared", EnableMonitoring = true };
        var m = new IntelRdtManager(cfg, "ctr2", _root);
        Assert.Equal(Path.Combine(_root, "shared"), m.GroupPath);
        Populate(m.GroupPath);
        Directory.CreateDirectory(m.MonitoringPath!);
        File.WriteAllText(Path.Combine(m.MonitoringPath!, "tasks"), "");
        m.Apply(77);
        m.AddTask(78);
        Assert.Equal("77\n78\n", File.ReadAllText(Path.Combine(m.GroupPath, "tasks")));
        Assert.Equal("77\n78\n", File.ReadAllText(Path.Combine(m.MonitoringPath!, "tasks")));
        m.Destroy();
        Assert.True(Directory.Exists(m.GroupPath));
        Assert.False(Directory.Exists(m.MonitoringPath));
    }

    [Fact]
    public void MonitoringGroupIsUnderTheContainersGroup()
    {
        var m = new IntelRdtManager(new LinuxIntelRdt { EnableMonitoring = true, L3CacheSchema = "L3:0=1" }, "ctr3", _root);
        Assert.Equal(Path.Combine(_root, "ctr3", "mon_groups", "ctr3"), m.MonitoringPath);
        m.Apply(-1);
        Assert.True(Directory.Exists(m.MonitoringPath));
        m.Destroy();
        Assert.False(Directory.Exists(m.GroupPath));
    }

    [Fact]
    public void WriteErrorsCarryLastCmdStatus()
    {
        var m = new IntelRdtManager(new LinuxIntelRdt { L3CacheSchema = "L3:0=f" }, "nofiles", _root);
        Directory.CreateDirectory(m.GroupPath);
        File.WriteAllText(Path.Combine(_root, "info", "last_cmd_status"), "Invalid schema\n");
        Directory.CreateDirectory(Path.Combine(m.GroupPath, "schemata")); // a directory: open for write fails
        var e = Assert.Throws<IntelRdtException>(m.Set);
        Assert.Equal("failed to write L3:0=f, last_cmd_status: Invalid schema", e.Message);
    }

    [Fact]
    public void FeaturesFromTheInfoDirectory()
    {
        Assert.Equal(new RdtFeatures(true, true, true, true), RdtFeatures.Detect(_root));
        Directory.Delete(Path.Combine(_root, "info", "MB"), true);
        Directory.Delete(Path.Combine(_root, "info", "L3_MON"), true);
        Assert.Equal(new RdtFeatures(true, true, false, false), RdtFeatures.Detect(_root));
        Assert.Equal(new RdtFeatures(false, false, false, false), RdtFeatures.Detect(Path.Combine(_root, "nope")));
    }

    [Fact]
    public void CpuFlagsMustAgreeWhenGiven()
    {
        string cpuinfo = Path.Combine(_root, "cpuinfo");
        File.WriteAllText(cpuinfo, "processor\t: 0\nflags\t\t: fpu vme cat_l3 cqm_occup_llc\n");
        Assert.Equal(new RdtFeatures(true, true, false, true), RdtFeatures.Detect(_root, cpuinfo));
    }

    [Theory]
    [InlineData(false, false, false, "{\"l3CacheSchema\":\"L3:0=f\"}", "intelRdt is specified in config, but Intel RDT is not supported or enabled")]
    [InlineData(true, true, true, "{\"closID\":\"..\"}", "invalid intelRdt.ClosID \"..\"")]
    [InlineData(true, true, true, "{\"closID\":\"a/b\"}", "invalid intelRdt.ClosID \"a/b\"")]
    [InlineData(true, true, true, "{\"closID\":\"/a\"}", "invalid intelRdt.ClosID \"/a\"")]
    [InlineData(true, true, true, "{\"closID\":\".\"}", "invalid intelRdt.ClosID \".\"")]
    [InlineData(false, true, true, "{\"l3CacheSchema\":\"L3:0=f\"}", "intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled")]
    [InlineData(true, false, true, "{\"memBwSchema\":\"MB:0=20\"}", "intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled")]
    [InlineData(true, true, false, "{\"enableMonitoring\":true}", "intelRdt.enableMonitoring is specified in config, but Intel RDT monitoring is not enabled")]
    public void Validation(bool cat, bool mba, bool mon, string json, string message)
    {
        var cfg = Skiff.RuntimeSpec.GoJson.GoJsonDecoder.Decode<LinuxIntelRdt>(System.Text.Encoding.UTF8.GetBytes(json), SpecShapes.LinuxIntelRdt)!;
        var e = Assert.Throws<IntelRdtException>(() => IntelRdtManager.Validate(cfg, new RdtFeatures(cat || mba, cat, mba, mon)));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ValidConfigsPass()
    {
        IntelRdtManager.Validate(null, new RdtFeatures(false, false, false, false));
        IntelRdtManager.Validate(new LinuxIntelRdt { ClosId = "g", L3CacheSchema = "L3:0=f" }, new RdtFeatures(true, true, false, false));
    }

    [Fact]
    public void MountpointFromMountinfo()
    {
        string mi = Path.Combine(_root, "mountinfo");
        File.WriteAllText(mi,
            "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n" +
            "40 22 0:35 / /sys/fs/res\\040ctrl rw,relatime shared:9 - resctrl resctrl rw,mba_MBps\n");
        Assert.Equal("/sys/fs/res ctrl", RdtFeatures.FindMountpoint(mi));
        File.WriteAllText(mi, "22 1 0:21 / /sys rw,nosuid - sysfs sysfs rw\n");
        Assert.Null(RdtFeatures.FindMountpoint(mi));
    }

    [Fact]
    public void ATestTreeGetsItsControlFilesCreated()
    {
        // a fresh directory is not resctrl: the group's files are created on write (resctrl makes them on mkdir)
        var m = new IntelRdtManager(new LinuxIntelRdt { L3CacheSchema = "L3:0=ff" }, "fresh", _root);
        m.Apply(99);
        m.Set();
        Assert.Equal("99\n", File.ReadAllText(Path.Combine(m.GroupPath, "tasks")));
        Assert.Equal("L3:0=ff\n", File.ReadAllText(Path.Combine(m.GroupPath, "schemata")));
    }

    [Fact]
    public void AnExecdProcessJoinsTheSavedGroupAndItsMonitoringGroup()
    {
        var cfg = new LinuxIntelRdt { L3CacheSchema = "L3:0=ff", EnableMonitoring = true };
        var m = new IntelRdtManager(cfg, "ex", _root);
        m.Apply(10);
        IntelRdtManager.AddTask(m.GroupPath, "ex", 11);
        Assert.Equal([10, 11], m.GetTasks());
        Assert.Equal("10\n11\n", File.ReadAllText(Path.Combine(m.MonitoringPath!, "tasks")));
        IntelRdtManager.FromState(cfg, "ex", m.GroupPath, m.Created).Destroy();
        Assert.False(Directory.Exists(m.GroupPath));
    }

    [Fact]
    public void AGroupThatWasThereBeforeIsNotRemoved()
    {
        // runc 1.5 (#5155): only a directory the runtime created is removed, even when named after the container
        var m = new IntelRdtManager(new LinuxIntelRdt { L3CacheSchema = "L3:0=f0" }, "pre", _root);
        Populate(m.GroupPath);
        m.Apply(7);
        Assert.False(m.Created);
        m.Destroy();
        Assert.True(Directory.Exists(m.GroupPath));
        IntelRdtManager.FromState(new LinuxIntelRdt(), "pre", m.GroupPath, created: false).Destroy();
        Assert.True(Directory.Exists(m.GroupPath));
    }

    [Fact]
    public void ClosIdSlashIsTheRootGroup()
    {
        // runc 1.4 (#4854): "/" assigns the container to the default CLOS; its monitoring group sits in the root's
        // mon_groups, and destroy removes only that
        var cfg = new LinuxIntelRdt { ClosId = "/", EnableMonitoring = true };
        IntelRdtManager.Validate(cfg, new RdtFeatures(true, true, true, true));
        var m = new IntelRdtManager(cfg, "rootc", _root);
        Assert.Equal(_root, m.GroupPath);
        Assert.Equal(Path.Combine(_root, "mon_groups", "rootc"), m.MonitoringPath);
        m.Apply(55);
        Assert.False(m.Created);
        Assert.Equal("1\n55\n", File.ReadAllText(Path.Combine(_root, "tasks")));
        Assert.Equal("55\n", File.ReadAllText(Path.Combine(_root, "mon_groups", "rootc", "tasks")));
        IntelRdtManager.FromState(cfg, "rootc", m.GroupPath, m.Created).Destroy();
        Assert.False(Directory.Exists(Path.Combine(_root, "mon_groups", "rootc")));
        Assert.True(File.Exists(Path.Combine(_root, "schemata")));
    }

    [Fact]
    public void AddTaskToAGroupThatIsGoneDoesNothing()
    {
        IntelRdtManager.AddTask(Path.Combine(_root, "gone"), "gone", 5);
        Assert.False(Directory.Exists(Path.Combine(_root, "gone")));
    }
}
