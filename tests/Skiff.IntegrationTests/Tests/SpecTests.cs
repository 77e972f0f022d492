using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`spec` (runc's spec.bats).</summary>
public sealed class SpecTests : ContainerTest
{
    private JsonObject Spec(params string[] extra)
    {
        var dir = Path.Combine(RepoPaths.TempRoot, "spec-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            Rt.Exec(["spec", "--bundle", dir, .. extra], withRoot: false).AssertSuccess();
            return JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        }
        finally
        {
            Runtime.TryDelete(dir);
        }
    }

    [FactUnlessRunc11("runc 1.1 writes runtime-spec 1.0.2")]
    public void SpecWritesRuntimeSpec13()
    {
        // runc 1.4/1.5 vendor runtime-spec 1.3.0 and `spec` writes that version
        Assert.Equal("1.3.0", Spec()["ociVersion"]!.GetValue<string>());
    }

    [Fact]
    public void SpecWritesADefaultConfig()
    {
        var s = Spec();
        Assert.StartsWith("1.", s["ociVersion"]!.GetValue<string>());
        Assert.Equal(["sh"], s["process"]!["args"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.True(s["process"]!["terminal"]!.GetValue<bool>());
        Assert.Equal(0, s["process"]!["user"]!["uid"]!.GetValue<int>());
        Assert.Equal("/", s["process"]!["cwd"]!.GetValue<string>());
        Assert.Equal("rootfs", s["root"]!["path"]!.GetValue<string>());
        Assert.True(s["root"]!["readonly"]!.GetValue<bool>());
        // each runtime names the example container after itself
        Assert.Contains(s["hostname"]!.GetValue<string>(), new[] { "runc", "skiff" });
        var ns = s["linux"]!["namespaces"]!.AsArray().Select(n => n!["type"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "pid", "network", "ipc", "uts", "mount" }, ns);
        var mounts = s["mounts"]!.AsArray().Select(m => m!["destination"]!.GetValue<string>()).ToList();
        Assert.Contains("/proc", mounts);
        Assert.Contains("/dev", mounts);
        Assert.Contains("/sys", mounts);
        Assert.Contains("/proc/kcore", s["linux"]!["maskedPaths"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Contains("/proc/sys", s["linux"]!["readonlyPaths"]!.AsArray().Select(p => p!.GetValue<string>()));
        Assert.Contains("CAP_KILL", s["process"]!["capabilities"]!["bounding"]!.AsArray().Select(p => p!.GetValue<string>()));
    }

    [Fact]
    public void SpecRootlessAddsAUserNamespaceAndMappings()
    {
        var s = Spec("--rootless");
        var ns = s["linux"]!["namespaces"]!.AsArray().Select(n => n!["type"]!.GetValue<string>()).ToHashSet();
        Assert.Contains("user", ns);
        Assert.DoesNotContain("network", ns);
        var uid = s["linux"]!["uidMappings"]!.AsArray().Single()!;
        Assert.Equal(0, uid["containerID"]!.GetValue<int>());
        Assert.Equal(Native.GetEuid(), uid["hostID"]!.GetValue<uint>());
        Assert.Equal(1, uid["size"]!.GetValue<int>());
        Assert.NotNull(s["linux"]!["gidMappings"]);
    }

    [Fact]
    public void SpecRefusesToOverwriteAnExistingConfig()
    {
        var dir = Path.Combine(RepoPaths.TempRoot, "spec-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
            Rt.Exec(["spec", "--bundle", dir], withRoot: false).AssertFailure("File config.json exists. Remove it first");
            Assert.Equal("{}", File.ReadAllText(Path.Combine(dir, "config.json")));
        }
        finally
        {
            Runtime.TryDelete(dir);
        }
    }

    [Fact]
    public void TheRuntimesOwnSpecWasUsedForTheBundles()
    {
        NewBundle();
        Assert.False(Bundle.TemplateIsFallback, "`spec` failed, bundles fell back to runc's default config");
    }
}
