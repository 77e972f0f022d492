using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`events` (runc's events.bats): a stats object, a stream every --interval, OOM events.</summary>
public sealed class EventsTests : ContainerTest
{
    [Fact]
    public void StatsReportsTheMemoryInUse()
    {
        var b = NewBundle("sleep", "1000").Memory(64 * 1024 * 1024).Pids(100);
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var r = Rt.Exec("events", "--stats", id).AssertSuccess();
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var e = JsonNode.Parse(lines[0])!;
        Assert.Equal("stats", e["type"]!.GetValue<string>());
        Assert.Equal(id, e["id"]!.GetValue<string>());
        var data = e["data"]!;
        Assert.True(data["memory"]!["usage"]!["usage"]!.GetValue<ulong>() > 0);
        Assert.Equal(64UL * 1024 * 1024, data["memory"]!["usage"]!["limit"]!.GetValue<ulong>());
        Assert.Equal(1UL, data["pids"]!["current"]!.GetValue<ulong>());
        Assert.Equal(100UL, data["pids"]!["limit"]!.GetValue<ulong>());
        Assert.True(data["cpu"]!["usage"]!["total"]!.GetValue<ulong>() > 0);
        Assert.NotNull(data["blkio"]);
        Assert.NotNull(data["hugetlb"]);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public async Task WithoutStatsItStreamsUntilTheContainerIsGone()
    {
        var b = NewBundle("sleep", "1000");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var events = Task.Run(() => Rt.Exec(["events", "--interval", "200ms", id], timeout: TimeSpan.FromSeconds(30)));
        await Task.Delay(1500);
        Assert.False(events.IsCompleted, "events returned while the container runs");
        Rt.Delete(id, force: true).AssertSuccess();
        var r = (await events).AssertSuccess();
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 3, $"only {lines.Length} events in 1.5 s at 200ms:\n{r.Stdout}");
        Assert.All(lines, l => Assert.Equal("stats", JsonNode.Parse(l)!["type"]!.GetValue<string>()));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public async Task AnOomKillIsReported()
    {
        var b = NewBundle("sleep", "1000").Memory(16 * 1024 * 1024, 16 * 1024 * 1024);
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var events = Task.Run(() => Rt.Exec(["events", "--interval", "1s", id], timeout: TimeSpan.FromSeconds(40)));
        // the stream counts OOM kills from the moment it starts: let it start before the hog runs
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline && !Directory.EnumerateDirectories("/proc").Any(d =>
                   File.Exists(Path.Combine(d, "cmdline")) && ReadCmdline(d).Contains("events") && ReadCmdline(d).Contains(id)))
            Thread.Sleep(50);
        Thread.Sleep(1000);
        // tail buffers a line that never ends: it grows until the OOM killer takes it
        var hog = Rt.Exec("exec", id, "tail", "/dev/zero");
        Assert.NotEqual(0, hog.ExitCode);
        await Task.Delay(1500);
        Rt.Delete(id, force: true).AssertSuccess();
        var r = (await events).AssertSuccess();
        Assert.Contains(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => JsonNode.Parse(l)!["type"]!.GetValue<string>() == "oom"
            && JsonNode.Parse(l)!["id"]!.GetValue<string>() == id);
        AssertNothingLeaked(id, b);
    }

    private static string ReadCmdline(string procDir)
    {
        try { return File.ReadAllText(Path.Combine(procDir, "cmdline")).Replace('\0', ' '); }
        catch (IOException) { return ""; }
        catch (UnauthorizedAccessException) { return ""; }
    }

    [Fact]
    public void BadArgumentsFail()
    {
        var b = NewBundle("sleep", "1000");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.Exec("events", "--interval", "0s", id).AssertFailure("duration interval must be greater than 0");
        Rt.Exec("events", "--interval", "abc", id).AssertFailure("invalid value \"abc\" for flag -interval");
        Rt.Exec("events", "--stats", "nosuch-container").AssertFailure("container does not exist");
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
