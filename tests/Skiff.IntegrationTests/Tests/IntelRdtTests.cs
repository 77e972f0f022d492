using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// linux.intelRdt with real containers against a temporary directory laid out like /sys/fs/resctrl (this machine
/// has no resctrl): the runtime is pointed at it with the test knob SKIFF_RESCTRL_ROOT. A directory that is not
/// resctrl gets its control files created when written and every pid appended to tasks, so the tests can read
/// which processes skiff put in the group.
/// </summary>
public sealed class IntelRdtTests : ContainerTest
{
    private readonly string _root = Path.Combine(RepoPaths.TempRoot, "resctrl-" + Guid.NewGuid().ToString("N")[..8]);

    public IntelRdtTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "info", "L3"));
        Directory.CreateDirectory(Path.Combine(_root, "info", "MB"));
        Directory.CreateDirectory(Path.Combine(_root, "info", "L3_MON"));
        File.WriteAllText(Path.Combine(_root, "info", "last_cmd_status"), "ok\n");
        File.WriteAllText(Path.Combine(_root, "schemata"), "L3:0=fffff\nMB:0=100\n");
        File.WriteAllText(Path.Combine(_root, "tasks"), "");
        Rt.Env["SKIFF_RESCTRL_ROOT"] = _root;
    }

    public override void Dispose()
    {
        base.Dispose();
        Runtime.TryDelete(_root);
    }

    private static Bundle WithRdt(Bundle b, JsonObject rdt) => b.Edit(c => Bundle.Obj(c, "linux")["intelRdt"] = rdt);

    private string StatePath(string id, string key) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Rt.Root, id, "state.json")))![key]?.GetValue<string>() ?? "";

    private static int[] Tasks(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "tasks")).Where(l => l.Length > 0).Select(int.Parse).ToArray();

    [SkiffFact]
    public void TheGroupIsCreatedWithTheSchemataAndTheInitAndRemovedAtDelete()
    {
        var b = WithRdt(NewBundle("sleep", "100"), new JsonObject { ["l3CacheSchema"] = "L3:0=f0", ["memBwSchema"] = "MB:0=50" });
        var id = NewId("rdt");
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        var group = Path.Combine(_root, id);
        Assert.Equal(group, StatePath(id, "intel_rdt_path"));
        Assert.Equal("L3:0=f0\nMB:0=50\n", File.ReadAllText(Path.Combine(group, "schemata")));
        Assert.Equal([pid], Tasks(group));
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(Directory.Exists(group));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void ANamedClosIsJoinedAndKept()
    {
        var clos = Path.Combine(_root, "gold");
        Directory.CreateDirectory(clos);
        File.WriteAllText(Path.Combine(clos, "schemata"), "L3:0=ff\n");
        File.WriteAllText(Path.Combine(clos, "tasks"), "");
        var b = WithRdt(NewBundle("sleep", "100"), new JsonObject { ["closID"] = "gold", ["enableMonitoring"] = true });
        var id = NewId("rdt");
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(clos, StatePath(id, "intel_rdt_path"));
        Assert.Equal([pid], Tasks(clos));
        Assert.Equal([pid], Tasks(Path.Combine(clos, "mon_groups", id)));
        Assert.Equal("L3:0=ff\n", File.ReadAllText(Path.Combine(clos, "schemata"))); // no schema given: left alone
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.True(Directory.Exists(clos));
        Assert.False(Directory.Exists(Path.Combine(clos, "mon_groups", id)));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void AnExecdProcessJoinsTheGroup()
    {
        var b = WithRdt(NewBundle("sleep", "100"), new JsonObject { ["l3CacheSchema"] = "L3:0=f" });
        var id = NewId("rdt");
        Rt.CreateAndStart(id, b);
        var group = Path.Combine(_root, id);
        Rt.Exec("exec", id, "true").AssertSuccess();
        // the exec'd process's bootstrap joins (its children inherit the group on a real resctrl)
        Assert.Equal(2, Tasks(group).Length);
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(Directory.Exists(group));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void ASchemaTheHostCannotDoFailsCleanly()
    {
        Directory.Delete(Path.Combine(_root, "info", "MB"));
        var b = WithRdt(NewBundle("true"), new JsonObject { ["memBwSchema"] = "MB:0=50" });
        var id = NewId("rdt");
        Rt.Run(id, b).AssertFailure("intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled");
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void AnInvalidClosIdFailsCleanly()
    {
        var b = WithRdt(NewBundle("true"), new JsonObject { ["closID"] = "../escape", ["l3CacheSchema"] = "L3:0=f" });
        var id = NewId("rdt");
        Rt.Run(id, b).AssertFailure("invalid intelRdt.ClosID");
        Assert.False(Directory.Exists(Path.Combine(RepoPaths.TempRoot, "escape")));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void WithoutResctrlIntelRdtIsRefused()
    {
        var b = WithRdt(NewBundle("true"), new JsonObject { ["l3CacheSchema"] = "L3:0=f" });
        var id = NewId("rdt");
        Rt.Env.Remove("SKIFF_RESCTRL_ROOT"); // the host has no resctrl mount
        Rt.Run(id, b).AssertFailure("Intel RDT is not supported or enabled");
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void SchemataLinesAreWrittenAfterTheL3AndMbSchemas()
    {
        // runtime-spec 1.3: schemata is written last, after l3CacheSchema and memBwSchema
        var b = WithRdt(NewBundle("true"), new JsonObject
        {
            ["closID"] = "mixed",
            ["l3CacheSchema"] = "L3:0=f0",
            ["memBwSchema"] = "MB:0=50",
            ["schemata"] = new JsonArray("L2:0=f;1=f", "MB:0=70"),
        });
        var id = NewId("rdt");
        Rt.Run(id, b).AssertSuccess();
        Assert.Equal("L3:0=f0\nMB:0=50\nL2:0=f;1=f\nMB:0=70\n", File.ReadAllText(Path.Combine(_root, "mixed", "schemata")));
        // a named CLOS stays: it is shared, not the container's
        Assert.True(Directory.Exists(Path.Combine(_root, "mixed")));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void ClosIdSlashIsTheRootGroupWithAMonitoringGroupUnderIt()
    {
        var b = WithRdt(NewBundle("sleep", "100"), new JsonObject { ["closID"] = "/", ["enableMonitoring"] = true });
        var id = NewId("rdt");
        Rt.CreateAndStart(id, b).AssertSuccess();
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(_root, StatePath(id, "intel_rdt_path"));
        Assert.Equal([pid], Tasks(_root));
        var mon = Path.Combine(_root, "mon_groups", id);
        Assert.Equal([pid], Tasks(mon));
        Assert.Equal("L3:0=fffff\nMB:0=100\n", File.ReadAllText(Path.Combine(_root, "schemata"))); // untouched
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(Directory.Exists(mon));
        Assert.True(File.Exists(Path.Combine(_root, "schemata")));
        Assert.True(Directory.Exists(Path.Combine(_root, "info")));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void AMonitoringGroupIsMadePerContainerInItsOwnGroup()
    {
        var b = WithRdt(NewBundle("sleep", "100"), new JsonObject { ["l3CacheSchema"] = "L3:0=f", ["enableMonitoring"] = true });
        var id = NewId("rdt");
        Rt.CreateAndStart(id, b).AssertSuccess();
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal([pid], Tasks(Path.Combine(_root, id, "mon_groups", id)));
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.False(Directory.Exists(Path.Combine(_root, id)));
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void AGroupNamedAfterTheContainerThatWasThereBeforeIsNotRemoved()
    {
        // runc 1.5: only a directory the runtime created is removed at delete
        var id = NewId("rdt");
        var group = Path.Combine(_root, id);
        Directory.CreateDirectory(group);
        File.WriteAllText(Path.Combine(group, "tasks"), "");
        var b = WithRdt(NewBundle("sleep", "100"), new JsonObject { ["l3CacheSchema"] = "L3:0=f" });
        Rt.CreateAndStart(id, b).AssertSuccess();
        Assert.Single(Tasks(group));
        Rt.Delete(id, force: true).AssertSuccess();
        Assert.True(Directory.Exists(group));
        AssertNothingLeaked(id, b);
        // control: the same container without the pre-made directory gets it removed
        var id2 = NewId("rdt");
        var b2 = WithRdt(NewBundle("true"), new JsonObject { ["l3CacheSchema"] = "L3:0=f" });
        Rt.Run(id2, b2).AssertSuccess();
        Assert.False(Directory.Exists(Path.Combine(_root, id2)));
        AssertNothingLeaked(id2, b2);
    }

    [SkiffFact]
    public void BadClosIdsAreRefusedAndLeaveNothing()
    {
        foreach (string clos in new[] { ".", "..", "/a", "a/" })
        {
            var b = WithRdt(NewBundle("true"), new JsonObject { ["closID"] = clos, ["schemata"] = new JsonArray("L3:0=f") });
            var id = NewId("rdt");
            Rt.Run(id, b).AssertFailure($"invalid intelRdt.ClosID \"{clos}\"");
            Assert.Equal(["info", "schemata", "tasks"], Directory.GetFileSystemEntries(_root).Select(p => Path.GetFileName(p)!).Order().ToArray());
            AssertNothingLeaked(id, b);
        }
    }
}
