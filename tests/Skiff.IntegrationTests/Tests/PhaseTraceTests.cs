using System.Globalization;
using System.Text.RegularExpressions;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>SKIFF_TRACE=1: a line per phase of both processes (runtime and init), on one time line.</summary>
public sealed partial class PhaseTraceTests : ContainerTest
{
    [GeneratedRegex(@"trace (\w+) +([0-9.]+) ms \(\+([0-9.]+)\) (.*) \[alloc ([0-9]+) KiB, gc ([0-9]+)\]$")]
    private static partial Regex TraceLine();

    [SkiffFact]
    public void RunTracesThePhasesOfBothProcesses()
    {
        var b = NewBundle("true");
        var id = NewId("trace");
        Rt.Env["SKIFF_TRACE"] = "1";
        var r = Rt.Run(id, b).AssertSuccess();

        var lines = new List<(string Who, double At, string Phase, long AllocKiB)>();
        foreach (var m in r.ErrorMessages.Select(l => TraceLine().Match(l)).Where(m => m.Success))
        {
            lines.Add((m.Groups[1].Value, double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), m.Groups[4].Value,
                long.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture)));
        }
        string all = string.Join("\n", lines.Select(l => $"{l.Who} {l.At} {l.Phase}"));
        foreach (var (who, phase) in new[]
        {
            ("skiff", "runtime started"), ("run", "config loaded and validated"), ("run", "spawned init (at start)"),
            ("run", "bootstrap sent"),
            ("init", "config received"), ("init", "rootfs prepared (mounts, procHooks, pivot_root)"),
            ("run", "recv procReady"), ("init", "recv procRun"), ("run", "exec fifo released: init exec'd the process"),
            ("run", "exit 0"),
        })
        {
            Assert.True(lines.Any(l => l.Who == who && l.Phase == phase), $"no '{who}: {phase}' line in\n{all}");
        }
        // each process's lines are in time order; one time line: init reads the config after the runtime sent it
        foreach (var group in lines.GroupBy(l => l.Who == "init"))
        {
            var times = group.Select(l => l.At).ToList();
            Assert.True(times.SequenceEqual(times.Order()), $"out of order:\n{all}");
        }
        // the allocation counter of each process only grows
        foreach (var group in lines.GroupBy(l => l.Who == "init"))
        {
            var alloc = group.Select(l => l.AllocKiB).ToList();
            Assert.True(alloc.SequenceEqual(alloc.Order()) && alloc[^1] > 0, $"allocation counts not growing:\n{all}");
        }
        // one time line: init has its config only after the runtime began to send it (the runtime's "config sent"
        // line is written once its write returned, which may be after init read it; the bootstrap goes first)
        double sending = lines.First(l => l.Who == "run" && l.Phase == "bootstrap sent").At;
        double received = lines.First(l => l.Who == "init" && l.Phase == "config received").At;
        Assert.True(received >= sending, $"init received its config before the runtime could send it:\n{all}");
        // with its config early, init goes on to the container's mounts only once it is in its cgroup: the fds that
        // let it go are sent after the runtime's "cgroup applied" line
        double applied = lines.First(l => l.Who == "run" && l.Phase == "cgroup applied").At;
        double inCgroup = lines.First(l => l.Who == "init" && l.Phase == "in its cgroup (fds received)").At;
        double mounted = lines.First(l => l.Who == "init" && l.Phase == "rootfs prepared (mounts, procHooks, pivot_root)").At;
        Assert.True(applied <= inCgroup && inCgroup <= mounted, $"init went on before it was in its cgroup:\n{all}");
        AssertNothingLeaked(id, b);
    }

    /// <summary>
    /// A plain run has its init spawned by nsexec's constructor as the process starts (its exec beside the runtime's
    /// start); one that passes fds on (--preserve-fds, LISTEN_FDS) spawns it from managed code, which places them.
    /// Both run the container alike.
    /// </summary>
    [SkiffFact]
    public void InitIsSpawnedAtStartUnlessFdsArePassedOn()
    {
        Rt.Env["SKIFF_TRACE"] = "1";
        foreach (var (extra, phase, absent) in new[]
        {
            (Array.Empty<string>(), "spawned init (at start)", "spawned init"),
            (new[] { "--preserve-fds", "0" }, "spawned init", "spawned init (at start)"),
        })
        {
            var b = NewBundle("echo", "ran");
            var id = NewId("trace");
            var r = Rt.Run(id, b, extra).AssertSuccess();
            Assert.Equal("ran\n", r.Stdout);
            var phases = r.ErrorMessages.Select(l => TraceLine().Match(l)).Where(m => m.Success && m.Groups[1].Value == "run")
                .Select(m => m.Groups[4].Value).ToList();
            Assert.Contains(phase, phases);
            Assert.DoesNotContain(absent, phases);
            AssertNothingLeaked(id, b);
        }
    }
}
