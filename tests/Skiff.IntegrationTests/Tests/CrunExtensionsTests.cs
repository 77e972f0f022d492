using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// crun's extensions that engines rely on (issue 15, item 7): the run.oci.keep_original_groups annotation (podman's
/// `--group-add keep-groups`) keeps the supplementary groups the runtime was started with. The runtime is started
/// with groups 4242 and 4243 by `setpriv --groups`.
/// </summary>
public sealed class CrunExtensionsTests : ContainerTest
{
    private (int Code, string Stdout, string Stderr) RunWithGroups(Bundle b, string id)
    {
        b.Save();
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--groups", "4242,4243", "--", RepoPaths.RuntimePath, "--root", Rt.Root, "run", "-b", b.Dir, id })
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string o = p.StandardOutput.ReadToEnd(), e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, o, e);
    }

    private static string Groups(string status) =>
        status.Split('\n').First(l => l.StartsWith("Groups:", StringComparison.Ordinal))["Groups:".Length..].Trim();

    [Fact]
    public void KeepOriginalGroupsKeepsTheRuntimesGroups()
    {
        if (RepoPaths.IsRunc || !File.Exists("/usr/bin/setpriv")) return; // a crun extension runc does not have
        var b = NewBundle("cat", "/proc/self/status");
        b.Config["annotations"] = new System.Text.Json.Nodes.JsonObject { ["run.oci.keep_original_groups"] = "1" };
        var id = NewId("kg");
        var (code, stdout, stderr) = RunWithGroups(b, id);
        Assert.True(code == 0, stderr);
        Assert.Equal("4242 4243", Groups(stdout));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void WithoutTheAnnotationTheGroupsAreTheSpecs()
    {
        if (!File.Exists("/usr/bin/setpriv")) return;
        // control: the same start without the annotation resets the groups to additionalGids
        var b = NewBundle("cat", "/proc/self/status").User(0, 0, 7);
        var id = NewId("kg");
        var (code, stdout, stderr) = RunWithGroups(b, id);
        Assert.True(code == 0, stderr);
        Assert.Equal("7", Groups(stdout));
        AssertNothingLeaked(id, b);
    }
}
