using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Opt-in soak (CI time): SKIFF_SOAK=N runs N create/start/kill/delete cycles, then checks that nothing leaked
/// (state dirs, cgroups, processes, mounts, fds of the test host) and reports time and kernel memory
/// (MemAvailable, Slab) before and after.
/// </summary>
public sealed class SoakTests : ContainerTest
{
    private readonly ITestOutputHelper _out;

    public SoakTests(ITestOutputHelper output) => _out = output;

    private static int Cycles => int.TryParse(Environment.GetEnvironmentVariable("SKIFF_SOAK"), out int n) ? n : 0;

    private static Dictionary<string, long> MemInfo() => File.ReadAllLines("/proc/meminfo")
        .Select(l => l.Split(':', 2))
        .ToDictionary(p => p[0], p => long.Parse(p[1].Trim().Split(' ')[0]));

    [Fact]
    public void CreateStartKillDeleteCycles()
    {
        if (Cycles <= 0)
        {
            _out.WriteLine("SKIFF_SOAK not set: skipped (opt-in)");
            return;
        }
        // a private rootfs: the shared one is also used by every other test running meanwhile
        var b = NewBundle("sleep", "100").PrivateRootfs();
        b.Save();
        var before = MemInfo();
        var sw = Stopwatch.StartNew();
        var failures = new List<string>();
        for (int i = 0; i < Cycles; i++)
        {
            var id = NewId("soak");
            // a failed verb is recorded and the cycle cleaned up: the run goes on, the test fails at the end
            foreach (var verb in new Func<RunResult>[] { () => Rt.Create(id, b), () => Rt.Start(id), () => Rt.Kill(id, "KILL"), () => Rt.Delete(id, force: true) })
            {
                var r = verb();
                if (r.ExitCode != 0)
                {
                    failures.Add($"cycle {i}: {r.Describe()}: {string.Join(" / ", r.ErrorMessages)}");
                    Rt.Delete(id, force: true);
                    break;
                }
            }
        }
        var elapsed = sw.Elapsed;
        Thread.Sleep(2000);
        var after = MemInfo();
        // every id starts with "it-soak-": one scan finds what any of them left
        var leaks = Leaks.Find(Rt.Root, "it-soak-", Rt.TrackedPids, [b.Dir]);
        _out.WriteLine($"{Cycles} cycles in {elapsed.TotalSeconds:F1} s ({elapsed.TotalMilliseconds / Cycles:F0} ms/cycle); leftovers: {leaks.Count}");
        _out.WriteLine($"MemAvailable {before["MemAvailable"]} -> {after["MemAvailable"]} kB; Slab {before["Slab"]} -> {after["Slab"]} kB; SUnreclaim {before["SUnreclaim"]} -> {after["SUnreclaim"]} kB");
        _out.WriteLine($"failed cycles: {failures.Count}" + string.Concat(failures.Select(f => "\n  " + f)));
        Assert.Empty(leaks);
        Assert.Empty(failures);
        Assert.Empty(Directory.GetDirectories(Rt.Root));
    }
}
