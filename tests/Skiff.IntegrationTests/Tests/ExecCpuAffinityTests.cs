using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// process.execCPUAffinity (runtime-spec 1.2/1.3, runc 1.3): an exec'd process starts on `initial` and ends up on
/// `final`, read in /proc/self/status of the exec'd process; and (runc 1.3.1/1.4) container processes get every cpu
/// of their cpuset rather than the runtime's own affinity, shown by running the runtime under `taskset -c 0`.
/// Needs two cpus.
/// </summary>
public sealed class ExecCpuAffinityTests : ContainerTest
{
    private static bool TwoCpus => Environment.ProcessorCount >= 2;

    private static Bundle WithAffinity(Bundle b, string? initial, string? final) => b.Edit(c =>
    {
        var a = new JsonObject();
        if (initial is not null) a["initial"] = initial;
        if (final is not null) a["final"] = final;
        Bundle.Obj(c, "process")["execCPUAffinity"] = a;
    });

    private (string Id, Bundle B) Start(string? initial, string? final)
    {
        var b = WithAffinity(NewBundle("sleep", "100"), initial, final);
        var id = NewId("aff");
        Rt.CreateAndStart(id, b).AssertSuccess();
        return (id, b);
    }

    private string ExecCpus(string id, params string[] extra) =>
        Rt.Exec(["exec", .. extra, id, "grep", "Cpus_allowed_list", "/proc/self/status"]).AssertSuccess().Stdout.Trim();

    private void Done(string id, Bundle b)
    {
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    /// <summary>Runs the runtime pinned to cpu 0 with taskset (its children inherit that affinity).</summary>
    private static (int Code, string Stdout, string Stderr) Pinned(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/taskset") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "0", RepoPaths.RuntimePath }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd(), e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o, e);
    }

    [FactUnlessRunc11("execCPUAffinity: runc 1.3")]
    public void FinalIsWhereTheExecdProcessEndsUp()
    {
        if (!TwoCpus) return;
        var (id, b) = Start("0", "1");
        Assert.Equal("Cpus_allowed_list:\t1", ExecCpus(id));
        Done(id, b);
    }

    [FactUnlessRunc11("execCPUAffinity: runc 1.3")]
    public void InitialAloneIsKept()
    {
        if (!TwoCpus) return;
        // with only initial, nothing resets it afterwards: the process runs where it started
        var (id, b) = Start("1", null);
        Assert.Equal("Cpus_allowed_list:\t1", ExecCpus(id));
        Done(id, b);
    }

    [FactUnlessRunc11("execCPUAffinity: runc 1.3")]
    public void AProcessFileBringsItsOwn()
    {
        if (!TwoCpus) return;
        var (id, b) = Start(null, null);
        string file = Path.Combine(b.Dir, "process.json");
        var proc = JsonNode.Parse(b.Process.ToJsonString())!.AsObject();
        proc["args"] = new JsonArray("grep", "Cpus_allowed_list", "/proc/self/status");
        proc["execCPUAffinity"] = new JsonObject { ["final"] = "0" };
        File.WriteAllText(file, proc.ToJsonString());
        var r = Rt.Exec("exec", "-p", file, id).AssertSuccess();
        Assert.Equal("Cpus_allowed_list:\t0", r.Stdout.Trim());
        Done(id, b);
    }

    [FactUnlessRunc11("execCPUAffinity: runc 1.3")]
    public void WithoutItAnExecdProcessGetsEveryCpuNotTheRuntimes()
    {
        if (!TwoCpus || !File.Exists("/usr/bin/taskset")) return;
        var (id, b) = Start(null, null);
        var (code, stdout, stderr) = Pinned("--root", Rt.Root, "exec", id, "grep", "Cpus_allowed_list", "/proc/self/status");
        Assert.True(code == 0, stderr);
        Assert.Equal($"Cpus_allowed_list:\t0-{Environment.ProcessorCount - 1}", stdout.Trim());
        Done(id, b);
    }

    [FactUnlessRunc11("the container's init keeps the runtime's CPU affinity before runc 1.3.1")]
    public void TheInitGetsEveryCpuOfItsCpusetNotTheRuntimes()
    {
        if (!TwoCpus || !File.Exists("/usr/bin/taskset")) return;
        // control: taskset really narrows what a child of the pinned runtime inherits
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/taskset") { RedirectStandardOutput = true };
        foreach (var a in new[] { "-c", "0", "grep", "Cpus_allowed_list", "/proc/self/status" }) psi.ArgumentList.Add(a);
        using (var p = System.Diagnostics.Process.Start(psi)!)
        {
            Assert.Equal("Cpus_allowed_list:\t0", p.StandardOutput.ReadToEnd().Trim());
            p.WaitForExit();
        }
        var b = NewBundle("grep", "Cpus_allowed_list", "/proc/self/status");
        b.Save();
        var id = NewId("aff");
        var (code, stdout, stderr) = Pinned("--root", Rt.Root, "run", "-b", b.Dir, id);
        Assert.True(code == 0, stderr);
        Assert.Equal($"Cpus_allowed_list:\t0-{Environment.ProcessorCount - 1}", stdout.Trim());
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("execCPUAffinity: runc 1.3")]
    public void BadListsAreRefusedAtCreateAndLeaveNothing()
    {
        (string? Initial, string? Final, string Message)[] cases =
        [
            ("x", null, "bad CPUAffinity.Initial: strconv.ParseUint: parsing \"x\": invalid syntax"),
            (null, "2-1", "bad CPUAffinity.Final: invalid range: 2-1"),
            ("0", ",", "bad CPUAffinity.Final: no members found in set \",\""),
            ("70000", null, "bad CPUAffinity.Initial: values larger than 65536 are not supported"),
        ];
        foreach (var (initial, final, message) in cases)
        {
            var b = WithAffinity(NewBundle("true"), initial, final);
            var id = NewId("aff");
            Rt.Run(id, b).AssertFailure(message);
            AssertNothingLeaked(id, b);
        }
    }

    [FactUnlessRunc11("execCPUAffinity: runc 1.3")]
    public void ACpuTheMachineLacksFailsTheExecNotTheContainer()
    {
        if (!TwoCpus) return;
        var (id, b) = Start(null, null);
        string file = Path.Combine(b.Dir, "process.json");
        var proc = JsonNode.Parse(b.Process.ToJsonString())!.AsObject();
        proc["args"] = new JsonArray("true");
        proc["execCPUAffinity"] = new JsonObject { ["final"] = "200" };
        File.WriteAllText(file, proc.ToJsonString());
        Rt.Exec("exec", "-p", file, id).AssertFailure("error setting final CPU affinity");
        Assert.Equal("running", Rt.Status(id));
        Done(id, b);
    }
}
