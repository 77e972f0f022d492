using System.Diagnostics;
using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// `features` (runc 1.2's features.go, runtime-spec features.md), parsed as containerd and CRI-O parse it, and its
/// claims checked against this host and against real containers.
/// </summary>
public sealed class FeaturesTests : ContainerTest
{
    private JsonObject Features()
    {
        var r = Rt.Exec(["features"], withRoot: false).AssertSuccess();
        return JsonNode.Parse(r.Stdout)!.AsObject();
    }

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    [Fact]
    public void FeaturesIsTheSpecsStructure()
    {
        var f = Features();
        Assert.Equal("1.0.0", f["ociVersionMin"]!.GetValue<string>());
        Assert.Matches(@"^1\.\d+\.\d+", f["ociVersionMax"]!.GetValue<string>());
        Assert.Equal(["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"], Strings(f["hooks"]));
        var opts = Strings(f["mountOptions"]);
        Assert.Equal(opts.Order(StringComparer.Ordinal), opts);
        Assert.Superset(new HashSet<string> { "bind", "rbind", "ro", "rro", "nosuid", "rprivate", "tmpcopyup", "strictatime" }, opts.ToHashSet());

        var linux = f["linux"]!.AsObject();
        // every namespace this kernel has is one the runtime can create (runc's names: mnt -> mount, net -> network)
        var ns = Strings(linux["namespaces"]);
        foreach (var kernelName in Directory.GetFiles("/proc/self/ns").Select(Path.GetFileName))
        {
            var name = kernelName switch { "mnt" => "mount", "net" => "network", _ => kernelName! };
            if (name.EndsWith("_for_children", StringComparison.Ordinal) || (name == "time" && RuntimeInfo.IsRunc11))
            {
                continue;
            }
            Assert.Contains(name, ns);
        }
        // every capability this kernel knows by number is known by name
        var lastCap = int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim());
        var caps = Strings(linux["capabilities"]);
        Assert.True(caps.Count >= lastCap + 1, $"{caps.Count} capabilities, kernel has {lastCap + 1}");
        Assert.Equal("CAP_CHOWN", caps[0]);
        Assert.True(linux["cgroup"]!["v1"]!.GetValue<bool>());
        Assert.True(linux["cgroup"]!["v2"]!.GetValue<bool>());

        var seccomp = linux["seccomp"]!.AsObject();
        Assert.True(seccomp["enabled"]!.GetValue<bool>());
        Assert.Contains("SCMP_ACT_NOTIFY", Strings(seccomp["actions"]));
        Assert.Contains("SCMP_CMP_MASKED_EQ", Strings(seccomp["operators"]));
        Assert.Contains("SCMP_ARCH_X86_64", Strings(seccomp["archs"]));
        // the libseccomp this host has installed
        Assert.Equal(InstalledLibseccomp(), f["annotations"]!["io.github.seccomp.libseccomp.version"]!.GetValue<string>());
    }

    [FactUnlessRunc11("runc 1.1 has no seccomp flag lists, intelRdt, mountExtensions or potentiallyUnsafeConfigAnnotations")]
    public void Runc12SectionsArePresent()
    {
        var f = Features();
        var linux = f["linux"]!.AsObject();
        Assert.Contains("time", Strings(linux["namespaces"]));
        Assert.True(linux["mountExtensions"]!["idmap"]!["enabled"]!.GetValue<bool>());
        Assert.NotNull(linux["intelRdt"]!["enabled"]);
        Assert.NotNull(f["potentiallyUnsafeConfigAnnotations"]);
        var known = Strings(linux["seccomp"]!["knownFlags"]);
        var supported = Strings(linux["seccomp"]!["supportedFlags"]);
        Assert.Contains("SECCOMP_FILTER_FLAG_SPEC_ALLOW", known);
        Assert.Subset(known.ToHashSet(), supported.ToHashSet());
        // this kernel (6.x) has SPEC_ALLOW and LOG, and libseccomp 2.5 sets both
        Assert.Contains("SECCOMP_FILTER_FLAG_LOG", supported);
        Assert.Contains("SECCOMP_FILTER_FLAG_SPEC_ALLOW", supported);
    }

    [FactUnlessRunc11("runc 1.1 has no runtime-spec 1.3 sections")]
    public void RuntimeSpec13SectionsAndTheCheckpointAnnotation()
    {
        var f = Features();
        var linux = f["linux"]!.AsObject();
        Assert.Equal(
            ["MPOL_BIND", "MPOL_DEFAULT", "MPOL_INTERLEAVE", "MPOL_LOCAL", "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_WEIGHTED_INTERLEAVE"],
            Strings(linux["memoryPolicy"]!["modes"]));
        Assert.Equal(["MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES"], Strings(linux["memoryPolicy"]!["flags"]));
        Assert.True(linux["netDevices"]!["enabled"]!.GetValue<bool>());
        Assert.True(linux["intelRdt"]!["schemata"]!.GetValue<bool>());
        Assert.True(linux["intelRdt"]!["monitoring"]!.GetValue<bool>());
        Assert.Contains("run.oci.keep_original_groups", Strings(f["potentiallyUnsafeConfigAnnotations"]));
        // the checkpoint annotation tells the truth: present exactly when a criu that answers is installed
        bool criu = CriuAnswers();
        var annotations = f["annotations"]!.AsObject();
        if (criu) Assert.Equal("true", annotations["org.opencontainers.runc.checkpoint.enabled"]!.GetValue<string>());
        else Assert.False(annotations.ContainsKey("org.opencontainers.runc.checkpoint.enabled"));
    }

    private static bool CriuAnswers()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("criu", "--version") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not installed
        }
    }

    [FactUnlessRunc11("runc 1.1 has no supportedFlags")]
    public void EverySupportedSeccompFlagWorksInAContainer()
    {
        var supported = Strings(Features()["linux"]!["seccomp"]!["supportedFlags"]);
        foreach (var flag in supported.Where(f => f != "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")) // needs an agent
        {
            var b = NewBundle();
            b.Linux["seccomp"] = new JsonObject
            {
                ["defaultAction"] = "SCMP_ACT_ALLOW",
                ["flags"] = new JsonArray(flag),
                ["syscalls"] = new JsonArray(new JsonObject { ["names"] = new JsonArray("mkdir"), ["action"] = "SCMP_ACT_ERRNO" }),
            };
            var output = RunShell(b, "grep ^Seccomp: /proc/self/status");
            Assert.Contains("Seccomp:\t2", output);
        }
    }

    [Fact]
    public void FeaturesTakesNoArguments()
    {
        Rt.Exec(["features", "extra"], withRoot: false).AssertFailure("\"features\" requires exactly 0 argument(s)");
    }

    private static string InstalledLibseccomp()
    {
        // the static skiff links libseccomp-dev's libseccomp.a: that package's version is the one built in
        var psi = new ProcessStartInfo("dpkg-query", ["-W", "-f", "${Version}", "libseccomp-dev"]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var v = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        // 2.5.4-1+deb12u1 -> 2.5.4
        return v.Split('-')[0];
    }
}
