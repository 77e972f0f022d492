using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// OCI hooks (runc's hooks.bats): each hook appends its name to an order file and saves the state it read
/// on stdin. prestart/createRuntime/poststart/poststop run in the runtime's namespaces, createContainer
/// in the container's mount namespace before pivot_root (host paths still resolve), startContainer inside
/// the container (its path and files are the container's: the marker dir is bind-mounted at /mnt/a).
/// </summary>
public sealed class HooksTests : ContainerTest
{
    private static readonly string[] s_hostKinds = ["prestart", "createRuntime", "createContainer", "poststart", "poststop"];

    private string NewMarkerDir()
    {
        var dir = Path.Combine(RepoPaths.TempRoot, "hooks-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static Bundle AddAllHooks(Bundle b, string markers)
    {
        foreach (var kind in s_hostKinds)
        {
            b.AddHook(kind, "/bin/sh", ["sh", "-c", $"cat > {markers}/{kind}.json; echo {kind} >> {markers}/order"], ["PATH=/usr/bin:/bin"]);
        }
        b.AddMount("/mnt/a", "bind", markers, "rbind", "rw");
        b.AddHook("startContainer", "/bin/sh", ["sh", "-c", "cat > /mnt/a/startContainer.json; echo startContainer >> /mnt/a/order"], ["PATH=/bin"]);
        return b;
    }

    private static JsonObject StateOf(string markers, string kind) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(markers, kind + ".json")))!.AsObject();

    [FactUnlessRunc11("runc 1.1 runs poststart hooks during create, before startContainer (fixed in 1.2)")]
    public void AllHooksRunInOrderWithTheState()
    {
        var markers = NewMarkerDir();
        var b = AddAllHooks(NewBundle("true"), markers);
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(["prestart", "createRuntime", "createContainer"], File.ReadAllLines(Path.Combine(markers, "order")));
        Rt.Start(id).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();

        Assert.Equal(
            ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            File.ReadAllLines(Path.Combine(markers, "order")));
        foreach (var kind in s_hostKinds.Append("startContainer"))
        {
            var s = StateOf(markers, kind);
            Assert.Equal(id, s["id"]!.GetValue<string>());
            Assert.Equal(b.Dir, s["bundle"]!.GetValue<string>());
            Assert.StartsWith("1.", s["ociVersion"]!.GetValue<string>());
        }
        foreach (var kind in new[] { "prestart", "createRuntime", "poststart" })
        {
            Assert.Equal(pid, StateOf(markers, kind)["pid"]!.GetValue<int>());
        }
        Assert.Equal("running", StateOf(markers, "poststart")["status"]!.GetValue<string>());
        Assert.Equal("creating", StateOf(markers, "createRuntime")["status"]!.GetValue<string>());
        Assert.Equal("stopped", StateOf(markers, "poststop")["status"]!.GetValue<string>());
        AssertNothingLeaked(id, b);
        Runtime.TryDelete(markers);
    }

    [Fact]
    public void CreateHooksRunDuringCreateAndPoststopOnDelete()
    {
        var markers = NewMarkerDir();
        var b = AddAllHooks(NewBundle("true"), markers);
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        var order = File.ReadAllLines(Path.Combine(markers, "order"));
        Assert.Equal(["prestart", "createRuntime", "createContainer"], order.Take(3));
        Assert.DoesNotContain("startContainer", order);
        Assert.DoesNotContain("poststop", order);
        Rt.Start(id).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Assert.DoesNotContain("poststop", File.ReadAllLines(Path.Combine(markers, "order")));
        Rt.Delete(id).AssertSuccess();
        order = File.ReadAllLines(Path.Combine(markers, "order"));
        Assert.Equal("poststop", order[^1]);
        Assert.Equal(6, order.Length);
        Assert.Contains("startContainer", order);
        Assert.Contains("poststart", order);
        foreach (var kind in new[] { "prestart", "createRuntime", "createContainer" })
        {
            var s = StateOf(markers, kind);
            Assert.Equal(id, s["id"]!.GetValue<string>());
            Assert.Equal("creating", s["status"]!.GetValue<string>());
            Assert.Equal(b.Dir, s["bundle"]!.GetValue<string>());
        }
        Assert.Equal(pid, StateOf(markers, "prestart")["pid"]!.GetValue<int>());
        Assert.Equal(pid, StateOf(markers, "createRuntime")["pid"]!.GetValue<int>());
        // createContainer runs inside the container's pid namespace: runc reports its own pid there (1).
        Assert.Equal(1, StateOf(markers, "createContainer")["pid"]!.GetValue<int>());
        Assert.Equal(id, StateOf(markers, "poststart")["id"]!.GetValue<string>());
        Assert.Equal(id, StateOf(markers, "startContainer")["id"]!.GetValue<string>());
        Assert.Equal("stopped", StateOf(markers, "poststop")["status"]!.GetValue<string>());
        AssertNothingLeaked(id, b);
        Runtime.TryDelete(markers);
    }

    [FactUnlessRunc11("runc 1.1 runs poststart hooks during create, before startContainer (fixed in 1.2)")]
    public void HooksRunForRunToo()
    {
        var markers = NewMarkerDir();
        var b = AddAllHooks(NewBundle("true"), markers);
        var id = NewId();
        Rt.Run(id, b).AssertSuccess();
        Assert.Equal(
            ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
            File.ReadAllLines(Path.Combine(markers, "order")));
        AssertNothingLeaked(id, b);
        Runtime.TryDelete(markers);
    }

    [Fact]
    public void HookArgsAndEnvArePassed()
    {
        var markers = NewMarkerDir();
        var b = NewBundle("true").AddHook("prestart", "/bin/sh",
            ["sh", "-c", $"echo \"$0 $1 $FOO\" > {markers}/out", "arg-zero", "arg-one"], ["FOO=from-env"]);
        var id = NewId();
        Rt.Run(id, b).AssertSuccess();
        Assert.Equal("arg-zero arg-one from-env\n", File.ReadAllText(Path.Combine(markers, "out")));
        AssertNothingLeaked(id, b);
        Runtime.TryDelete(markers);
    }

    [Fact]
    public void AFailingPrestartHookFailsCreateAndLeavesNothing()
    {
        var b = NewBundle("true").AddHook("prestart", "/bin/sh", ["sh", "-c", "echo hook-stderr >&2; exit 3"]);
        var id = NewId();
        var r = Rt.Create(id, b);
        r.AssertFailure("error running hook");
        Assert.Contains("exit status 3", r.Stderr);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AFailingCreateRuntimeHookFailsRunAndLeavesNothing()
    {
        var b = NewBundle("true").AddHook("createRuntime", "/bin/false", ["false"]);
        var id = NewId();
        Rt.Run(id, b).AssertFailure("error running hook");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AHookThatTimesOutFails()
    {
        var b = NewBundle("true").AddHook("prestart", "/bin/sleep", ["sleep", "30"], timeout: 1);
        var id = NewId();
        var started = DateTime.UtcNow;
        Rt.Run(id, b).AssertFailure("hook ran past specified timeout of 1.0s");
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AFailingPoststopHookDoesNotPreventDelete()
    {
        var b = NewBundle("true").AddHook("poststop", "/bin/false", ["false"]);
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id);
        Rt.Delete(id, force: true);
        AssertNothingLeaked(id, b);
    }
}
