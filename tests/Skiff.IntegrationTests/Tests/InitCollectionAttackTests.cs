using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// A garbage collection in skiff init reads /proc/meminfo (and, under a memory limit, /proc/self/statm) by path.
/// After the root switch that path is the container's, the image's own file when the config mounts no procfs on
/// /proc: a fifo there held init forever in the first collection after the switch, and a create or run never
/// returned. Init now collects once before the switch and holds collections off after it, for such a container.
/// </summary>
public sealed class InitCollectionAttackTests : ContainerTest
{
    /// <summary>No procfs and no /sys mounted; the image has fifos at /proc/meminfo and /proc/self/statm; 20000
    /// variables of 80 bytes in the environment, which init builds after the root switch (megabytes: far past the
    /// no-GC region it starts with, so that collections follow there without the fence).</summary>
    private Bundle Hostile(params string[] args)
    {
        var b = NewBundle(args).RemoveMount("/sys/fs/cgroup").RemoveMount("/sys").RemoveMount("/proc").PrivateRootfs();
        string proc = Path.Combine(b.RootfsPath, "proc");
        Directory.CreateDirectory(Path.Combine(proc, "self"));
        foreach (string fifo in new[] { Path.Combine(proc, "meminfo"), Path.Combine(proc, "self", "statm") })
        {
            if (File.Exists(fifo)) File.Delete(fifo);
            Command("/usr/bin/mkfifo", fifo);
        }
        b.Edit(c =>
        {
            var env = c["process"]!["env"]!.AsArray();
            string pad = new('x', 80);
            for (int i = 0; i < 20000; i++) env.Add((JsonNode)$"V{i}={pad}");
        });
        return b;
    }

    private static void Command(string file, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(file, args)!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [SkiffFact] // the second control uses a skiff test knob
    public void AFifoAtTheImagesProcMeminfoDoesNotHoldInit()
    {
        // Control: what the container sees at /proc/meminfo is the image's fifo (a reader waits for a writer).
        var seen = Hostile("sh", "-c", "timeout 1 cat /proc/meminfo; echo rc=$?");
        string seenId = NewId();
        Assert.Contains("rc=143", Rt.Run(seenId, seen).AssertSuccess().Stdout);
        Rt.Delete(seenId, force: true);

        // Control: without the fence (SKIFF_TEST_FAIL=no-gc-fence) the create never returns, its init waiting in the
        // open of a fifo before it reports procReady.
        var held = Hostile("true");
        string heldId = NewId();
        Rt.Env["SKIFF_TEST_FAIL"] = "no-gc-fence";
        Assert.Throws<TimeoutException>(() => Rt.Exec(["create", "-b", held.Save().Dir, heldId], timeout: TimeSpan.FromSeconds(15)));
        Rt.Env.Remove("SKIFF_TEST_FAIL");
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(Rt.Root, heldId, "state.json")))!;
        int init = state["init_process_pid"]!.GetValue<int>();
        Assert.True(init > 0);
        Assert.Equal("wait_for_partner", File.ReadAllText($"/proc/{init}/wchan").Trim());
        using (var held0 = System.Diagnostics.Process.GetProcessById(init)) held0.Kill(); // SIGKILL
        Rt.Delete(heldId, force: true).AssertSuccess();
        AssertNothingLeaked(heldId, held);

        // The attack: the container runs and exits.
        var attack = Hostile("sh", "-c", "echo ran");
        string id = NewId();
        Assert.Equal("ran", Rt.Run(id, attack).AssertSuccess().Stdout.Trim());
        AssertNothingLeaked(id, attack);
    }
}
