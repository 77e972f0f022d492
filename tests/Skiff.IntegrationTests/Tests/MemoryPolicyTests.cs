using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// linux.memoryPolicy (runtime-spec 1.3, runc 1.4): set_mempolicy(2) before the container's process execs, read
/// back inside from /proc/self/numa_maps (a mapping without its own policy shows the task's: "bind:0",
/// "interleave:0", "prefer:0", "local", "bind=static:0"). This machine has one NUMA node, 0.
/// </summary>
public sealed class MemoryPolicyTests : ContainerTest
{
    private static Bundle WithPolicy(Bundle b, string mode, string? nodes, params string[] flags) => b.Edit(c =>
    {
        var p = new JsonObject { ["mode"] = mode };
        if (nodes is not null) p["nodes"] = nodes;
        if (flags.Length > 0) p["flags"] = new JsonArray(flags.Select(f => (JsonNode)JsonValue.Create(f)!).ToArray());
        Bundle.Obj(c, "linux")["memoryPolicy"] = p;
    });

    /// <summary>The policy of the first mapping of `cat /proc/self/numa_maps` in the container.</summary>
    private string PolicyInside(string mode, string? nodes, params string[] flags)
    {
        var b = WithPolicy(NewBundle("cat", "/proc/self/numa_maps"), mode, nodes, flags);
        var id = NewId("mp");
        var r = Rt.Run(id, b).AssertSuccess();
        AssertNothingLeaked(id, b);
        return r.Stdout.Split('\n')[0].Split(' ')[1];
    }

    [FactUnlessRunc11("memoryPolicy: runc 1.4")]
    public void EachModeIsTheProcesssPolicy()
    {
        Assert.Equal("default", PolicyInside("MPOL_DEFAULT", null));
        Assert.Equal("bind:0", PolicyInside("MPOL_BIND", "0"));
        Assert.Equal("interleave:0", PolicyInside("MPOL_INTERLEAVE", "0"));
        Assert.Equal("prefer:0", PolicyInside("MPOL_PREFERRED", "0"));
        Assert.Equal("local", PolicyInside("MPOL_LOCAL", null));
        Assert.Equal("bind=static:0", PolicyInside("MPOL_BIND", "0", "MPOL_F_STATIC_NODES"));
        Assert.Equal("interleave=relative:0", PolicyInside("MPOL_INTERLEAVE", "0", "MPOL_F_RELATIVE_NODES"));
    }

    [FactUnlessRunc11("memoryPolicy: runc 1.4")]
    public void TheHostDefaultIsWhatAContainerWithoutAPolicyGets()
    {
        // control: without memoryPolicy the same read shows the default policy
        var b = NewBundle("cat", "/proc/self/numa_maps");
        var id = NewId("mp");
        var first = Rt.Run(id, b).AssertSuccess().Stdout.Split('\n')[0];
        Assert.Equal("default", first.Split(' ')[1]);
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("memoryPolicy: runc 1.4")]
    public void AnExecdProcessGetsThePolicyToo()
    {
        var b = WithPolicy(NewBundle("sleep", "100"), "MPOL_INTERLEAVE", "0");
        var id = NewId("mp");
        Rt.CreateAndStart(id, b).AssertSuccess();
        var r = Rt.Exec("exec", id, "sh", "-c", "head -1 /proc/self/numa_maps; grep Mems_allowed_list /proc/self/status").AssertSuccess();
        Assert.Equal("interleave:0", r.Stdout.Split('\n')[0].Split(' ')[1]);
        Assert.Contains("Mems_allowed_list:\t0", r.Stdout);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("memoryPolicy: runc 1.4")]
    public void BadValuesAreRefusedUpFrontAndLeaveNothing()
    {
        (string Mode, string? Nodes, string[] Flags, string Message)[] cases =
        [
            ("MPOL_NOPE", "0", [], "invalid memory policy mode \"MPOL_NOPE\""),
            ("MPOL_BIND", "0", ["MPOL_F_NOPE"], "invalid memory policy flag \"MPOL_F_NOPE\""),
            ("MPOL_BIND", "x", [], "invalid memory policy nodes \"x\": strconv.ParseUint: parsing \"x\": invalid syntax"),
            ("MPOL_BIND", "3-1", [], "invalid memory policy nodes \"3-1\": invalid range: 3-1"),
            ("MPOL_DEFAULT", "0", [], "memory policy mode requires 0 nodes but got 1"),
            ("MPOL_LOCAL", "0-1", [], "memory policy mode requires 0 nodes but got 2"),
            ("MPOL_BIND", null, [], "memory policy mode requires at least one node but got 0"),
            ("MPOL_WEIGHTED_INTERLEAVE", ",", [], "invalid memory policy nodes \",\": no members found in set \",\""),
        ];
        foreach (var (mode, nodes, flags, message) in cases)
        {
            var b = WithPolicy(NewBundle("true"), mode, nodes, flags);
            var id = NewId("mp");
            Rt.Run(id, b).AssertFailure(message);
            AssertNothingLeaked(id, b);
        }
    }

    [FactUnlessRunc11("memoryPolicy: runc 1.4")]
    public void ANodeTheMachineLacksFailsInInitAndLeavesNothing()
    {
        // node 7 does not exist here: the kernel refuses it (EINVAL) when init sets the policy
        Assert.False(Directory.Exists("/sys/devices/system/node/node7"));
        var b = WithPolicy(NewBundle("true"), "MPOL_BIND", "7");
        var id = NewId("mp");
        Rt.Run(id, b).AssertFailure("set_mempolicy: invalid argument");
        AssertNothingLeaked(id, b);
    }
}
