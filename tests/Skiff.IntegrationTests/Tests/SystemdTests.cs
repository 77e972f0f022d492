using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// The systemd cgroup driver (--systemd-cgroup) against a real systemd: one booted as PID 1 of a skiff container
/// (<see cref="SystemdHost"/>), with the runtime under test run inside it, where systemd's D-Bus is. systemd runs
/// in unified mode on a cgroup2 without controllers: the scope, Delegate, the slice rules and the device policy
/// are real; resource limits that need a controller give the failure path.
/// </summary>
public sealed class SystemdTests : IClassFixture<SystemdHost>
{
    private readonly SystemdHost _sd;

    public SystemdTests(SystemdHost sd)
    {
        _sd = sd;
        Assert.Null(sd.SkipReason);
    }

    /// <summary>A busybox bundle inside the systemd container (rootfs /opt/busybox), with cgroupsPath.</summary>
    private (string Dir, Bundle Bundle) NestedBundle(string? cgroupsPath, params string[] args)
    {
        var b = Bundle.Create("nested", args);
        var name = "b-" + Guid.NewGuid().ToString("N")[..8];
        b.Edit(c =>
        {
            c["root"] = new System.Text.Json.Nodes.JsonObject { ["path"] = "/opt/busybox", ["readonly"] = true };
            if (cgroupsPath != null)
            {
                Bundle.Obj(c, "linux")["cgroupsPath"] = cgroupsPath;
            }
        });
        b.Save();
        var dir = Path.Combine(_sd.ShareDir, name);
        Directory.CreateDirectory(dir);
        File.Copy(b.ConfigPath, Path.Combine(dir, "config.json"));
        return ("/skiff-test/" + name, b);
    }

    private static string NewId() => "sd-" + Guid.NewGuid().ToString("N")[..10];

    private string HostScopeDir(string slicePath, string unit) => _sd.CgroupDir + slicePath + "/" + unit;

    /// <summary>Nothing left inside: no unit, no scope directory, no state directory of the nested runtime.</summary>
    private void AssertNothingLeakedInside(string id, string unit, string hostScopeDir)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var load = _sd.Show(unit, "LoadState");
            var problems = new List<string>();
            if (load != "not-found")
            {
                problems.Add($"unit {unit} is {load} ({_sd.Show(unit, "ActiveState")})");
            }
            if (Directory.Exists(hostScopeDir))
            {
                problems.Add($"cgroup {hostScopeDir} exists");
            }
            if (Directory.Exists($"/proc/{_sd.Pid}/root/run/skiff-nested/{id}"))
            {
                problems.Add($"state directory of {id} exists");
            }
            if (problems.Count == 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, string.Join("; ", problems));
            Thread.Sleep(100);
        }
    }

    [SystemdFact]
    public void TheContainerGetsATransientScopeWithDelegateThatDeleteStops()
    {
        var id = NewId();
        var (dir, _) = NestedBundle($"system.slice:skiff:{id}", "sleep", "100");
        var unit = $"skiff-{id}.scope";
        _sd.Skiff("--systemd-cgroup", "create", "-b", dir, id).AssertSuccess();
        Assert.Equal("active", _sd.Show(unit, "ActiveState"));
        Assert.Equal("yes", _sd.Show(unit, "Delegate"));
        Assert.Equal("system.slice", _sd.Show(unit, "Slice"));
        Assert.Equal("no", _sd.Show(unit, "DefaultDependencies"));
        Assert.Equal("yes", _sd.Show(unit, "TasksAccounting"));
        Assert.Equal("strict", _sd.Show(unit, "DevicePolicy"));
        Assert.Contains("/dev/char/1:3 rwm", _sd.Show(unit, "DeviceAllow"));
        // systemd put init in the scope's cgroup, as the host sees it
        var scope = HostScopeDir("/system.slice", unit);
        Assert.Single(File.ReadAllLines(Path.Combine(scope, "cgroup.procs")));
        _sd.Skiff("start", id).AssertSuccess();
        Assert.Contains("\"running\"", _sd.Skiff("state", id).AssertSuccess().Stdout);
        _sd.Skiff("delete", "--force", id).AssertSuccess();
        AssertNothingLeakedInside(id, unit, scope);
    }

    [SystemdFact]
    public void AnEmptyCgroupsPathIsSystemSliceAndTheId()
    {
        var id = NewId();
        var (dir, _) = NestedBundle(null, "cat", "/proc/self/cgroup");
        var r = _sd.Skiff("--systemd-cgroup", "run", "-b", dir, id).AssertSuccess();
        Assert.Contains($"0::/system.slice/skiff-{id}.scope", r.Stdout);
        AssertNothingLeakedInside(id, $"skiff-{id}.scope", HostScopeDir("/system.slice", $"skiff-{id}.scope"));
    }

    [SystemdFact]
    public void ANestedSliceIsExpanded()
    {
        var id = NewId();
        var (dir, _) = NestedBundle($"skiff-test.slice:pfx:{id}", "cat", "/proc/self/cgroup");
        var r = _sd.Skiff("--systemd-cgroup", "run", "-b", dir, id).AssertSuccess();
        Assert.Contains($"0::/skiff.slice/skiff-test.slice/pfx-{id}.scope", r.Stdout);
        AssertNothingLeakedInside(id, $"pfx-{id}.scope", HostScopeDir("/skiff.slice/skiff-test.slice", $"pfx-{id}.scope"));
    }

    [SystemdFact]
    public void DeviceRulesAreEnforcedInTheScope()
    {
        var id = NewId();
        var (dir, b) = NestedBundle($":skiff:{id}", "sh", "-c",
            "echo x > /dev/null && echo null-ok; (exec 3</dev/mymem) 2>&1 || echo mem-denied");
        b.AddDevice("/dev/mymem", "c", 1, 1).Save();
        File.Copy(b.ConfigPath, Path.Combine(_sd.ShareDir, Path.GetFileName(dir), "config.json"), overwrite: true);
        var r = _sd.Skiff("--systemd-cgroup", "run", "-b", dir, id).AssertSuccess();
        Assert.Contains("null-ok", r.Stdout);
        Assert.Contains("mem-denied", r.Stdout);
        Assert.Contains("Operation not permitted", r.Stdout);
        AssertNothingLeakedInside(id, $"skiff-{id}.scope", HostScopeDir("/system.slice", $"skiff-{id}.scope"));
    }

    [SystemdFact]
    public void AnInvalidSliceFailsWithoutAUnit()
    {
        var id = NewId();
        var (dir, _) = NestedBundle($"bad--name.slice:skiff:{id}", "true");
        _sd.Skiff("--systemd-cgroup", "run", "-b", dir, id).AssertFailure("invalid slice name: bad--name.slice");
        AssertNothingLeakedInside(id, $"skiff-{id}.scope", HostScopeDir("/system.slice", $"skiff-{id}.scope"));
    }

    [SystemdFact]
    public void ALimitWithoutItsControllerFailsAndStopsTheUnit()
    {
        var id = NewId();
        var (dir, b) = NestedBundle($"system.slice:skiff:{id}", "true");
        b.Pids(20).Save();
        File.Copy(b.ConfigPath, Path.Combine(_sd.ShareDir, Path.GetFileName(dir), "config.json"), overwrite: true);
        // systemd takes TasksMax, but the fs manager finds no pids controller in the (controller-less) hierarchy
        _sd.Skiff("--systemd-cgroup", "run", "-b", dir, id).AssertFailure("controller \"pids\" is not available");
        AssertNothingLeakedInside(id, $"skiff-{id}.scope", HostScopeDir("/system.slice", $"skiff-{id}.scope"));
    }

    /// <summary>
    /// Init has its config before it is in its cgroup and may fail on it early (a network namespace path that does not
    /// exist): gone before the parent puts it in the scope (the knob waits for that), the failure is init's own reason,
    /// once, not the scope of a dead process, and no unit is left.
    /// </summary>
    [SystemdFact]
    public void AnInitThatFailsOnItsEarlyConfigIsReportedOnce()
    {
        var id = NewId();
        var (dir, b) = NestedBundle($"system.slice:skiff:{id}", "true");
        b.AddNamespace("network", "/proc/2147483646/ns/net").Save();
        File.Copy(b.ConfigPath, Path.Combine(_sd.ShareDir, Path.GetFileName(dir), "config.json"), overwrite: true);
        var r = _sd.In("/usr/bin/env", "SKIFF_TEST_FAIL=init-failed-before-cgroup", "/opt/skiff/" + RepoPaths.ProgramName,
            "--root", "/run/skiff-nested", "--systemd-cgroup", "run", "-b", dir, id);
        r.AssertFailure("/proc/2147483646/ns/net: no such file or directory");
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("level=error", StringComparison.Ordinal));
        AssertNothingLeakedInside(id, $"skiff-{id}.scope", HostScopeDir("/system.slice", $"skiff-{id}.scope"));
    }
}
