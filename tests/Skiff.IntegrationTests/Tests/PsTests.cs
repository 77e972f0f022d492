using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`ps` (runc's ps.bats): the processes of the container's cgroup, as JSON or filtered host `ps` output.</summary>
public sealed class PsTests : ContainerTest
{
    private (string Id, Bundle Bundle, int[] Pids) StartThree()
    {
        var b = ShellBundle("sleep 1000 & sleep 1000 & wait");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        var procs = Path.Combine(HostProc.CgroupDir(pid, "pids")!, "cgroup.procs");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        int[] pids;
        while ((pids = File.ReadAllLines(procs).Select(int.Parse).Order().ToArray()).Length < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, "the container never had 3 processes");
            Thread.Sleep(50);
        }
        return (id, b, pids);
    }

    [Fact]
    public void JsonListsExactlyTheContainersPids()
    {
        var (id, b, pids) = StartThree();
        var json = Rt.Exec("ps", "--format", "json", id).AssertSuccess().Stdout;
        var listed = JsonNode.Parse(json)!.AsArray().Select(n => n!.GetValue<int>()).Order().ToArray();
        Assert.Equal(pids, listed);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TableIsHostPsFilteredToTheContainer()
    {
        var (id, b, pids) = StartThree();
        var lines = Rt.Exec("ps", id).AssertSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("UID", lines[0]);
        var cols = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        int pidCol = Array.IndexOf(cols, "PID");
        var listed = lines.Skip(1).Select(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[pidCol])).Order().ToArray();
        Assert.Equal(pids, listed);
        Assert.Equal(2, lines.Count(l => l.EndsWith(" sleep 1000", StringComparison.Ordinal)));

        // extra arguments go to ps
        var custom = Rt.Exec("ps", id, "-o", "pid,comm").AssertSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("PID COMMAND", string.Join(' ', custom[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.Equal(3, custom.Length - 1);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void BadFormatAndMissingContainerFail()
    {
        var (id, b, _) = StartThree();
        Rt.Exec("ps", "--format", "yaml", id).AssertFailure("invalid format option");
        Rt.Exec("ps", "nosuch-container").AssertFailure("container does not exist");
        Rt.Exec("ps").AssertFailure("requires a minimum of 1 argument");
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
