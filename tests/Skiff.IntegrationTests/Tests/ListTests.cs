using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`list` in table, json and quiet form (runc's list.bats).</summary>
public sealed class ListTests : ContainerTest
{
    [Fact]
    public void EmptyListPrintsTheHeaderOnly()
    {
        var r = Rt.Exec("list").AssertSuccess();
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal(["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void EmptyListAsJsonIsNullOrEmpty()
    {
        var r = Rt.Exec("list", "--format", "json").AssertSuccess();
        var node = JsonNode.Parse(r.Stdout);
        Assert.True(node is null || node is JsonArray { Count: 0 }, r.Stdout);
    }

    [Fact]
    public void ListShowsContainersInAllFormats()
    {
        var b = NewBundle("sleep", "100");
        var running = NewId("a");
        var created = NewId("b");
        Rt.CreateAndStart(running, b);
        Rt.Create(created, b).AssertSuccess();
        var runPid = Rt.State(running)["pid"]!.GetValue<int>();
        var createdPid = Rt.State(created)["pid"]!.GetValue<int>();

        var table = Rt.Exec("list").AssertSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, table.Length);
        Assert.StartsWith("ID", table[0]);
        var row = table.Single(l => l.StartsWith(running + " ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(runPid.ToString(), row[1]);
        Assert.Equal("running", row[2]);
        Assert.Equal(b.Dir, row[3]);
        Assert.Equal("root", row[^1]);
        Assert.Contains(table, l => l.StartsWith(created + " ", StringComparison.Ordinal) && l.Contains(" created ", StringComparison.Ordinal));

        var json = JsonNode.Parse(Rt.Exec("list", "-f", "json").AssertSuccess().Stdout)!.AsArray();
        Assert.Equal(2, json.Count);
        var entry = json.Single(e => e!["id"]!.GetValue<string>() == created)!;
        Assert.Equal(createdPid, entry["pid"]!.GetValue<int>());
        Assert.Equal("created", entry["status"]!.GetValue<string>());
        Assert.Equal(b.Dir, entry["bundle"]!.GetValue<string>());
        Assert.Equal(b.RootfsPath, entry["rootfs"]!.GetValue<string>());
        Assert.Equal("root", entry["owner"]!.GetValue<string>());
        Assert.NotNull(entry["created"]);

        var quiet = Rt.Exec("list", "-q").AssertSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray();
        Assert.Equal(new[] { running, created }.Order().ToArray(), quiet);

        Rt.Delete(running, force: true).AssertSuccess();
        Rt.Delete(created, force: true).AssertSuccess();
        AssertNothingLeaked(running, b);
        AssertNothingLeaked(created, b);
    }

    [Fact]
    public void ListShowsStoppedContainers()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        var json = JsonNode.Parse(Rt.Exec("list", "--format=json").AssertSuccess().Stdout)!.AsArray();
        var e = Assert.Single(json)!;
        Assert.Equal("stopped", e["status"]!.GetValue<string>());
        Assert.Equal(0, e["pid"]!.GetValue<int>());
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ListOfAMissingRootIsEmpty()
    {
        var rt = new Runtime(Path.Combine(RepoPaths.StateRoot, "never-created-" + Guid.NewGuid().ToString("N")[..8]));
        var r = rt.Exec("list", "-q").AssertSuccess();
        Assert.Equal("", r.Stdout);
        rt.Cleanup();
    }
}
