using System.Text.Json;
using Skiff.Cgroups;
using Skiff.Cli.Commands;
using Xunit;

namespace Skiff.UnitTests.Cli;

public class EventsTests
{
    [Theory]
    [InlineData("5s", 5000.0)]
    [InlineData("100ms", 100.0)]
    [InlineData("1m30s", 90000.0)]
    [InlineData("1.5h", 5400000.0)]
    [InlineData("0", 0.0)]
    [InlineData("-1s", -1000.0)]
    [InlineData("250us", 0.25)]
    public void GoDurations(string text, double ms) => Assert.Equal(TimeSpan.FromMilliseconds(ms), EventsCommand.ParseDuration(text));

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("abc")]
    [InlineData("5x")]
    [InlineData("s")]
    public void BadDurations(string text) => Assert.Null(EventsCommand.ParseDuration(text));

    [Fact]
    public void OomEventHasNoData() => Assert.Equal("{\"type\":\"oom\",\"id\":\"c1\"}\n", EventsJson.Oom("c1"));

    [Fact]
    public void StatsFollowRuncsTypes()
    {
        var s = new CgroupStats();
        s.Cpu.TotalUsage = 100;
        s.Cpu.PercpuUsage = [60, 40];
        s.Cpu.UsageInUsermode = 70;
        s.Memory.Usage.Usage = 4096;
        s.Memory.Usage.Limit = 1 << 20;
        s.Memory.Stats["rss"] = 1;
        s.Memory.Stats["cache"] = 2;
        s.Pids.Current = 3;
        s.Blkio.IoServiceBytesRecursive.Add(new BlkioStatEntry(8, 0, "Read", 512));
        s.Hugetlb["2MB"] = new HugetlbStats { Usage = 0, Failcnt = 0 };
        string line = EventsJson.Stats("c1", s, new Dictionary<string, string>());
        Assert.EndsWith("}\n", line);
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal("stats", root.GetProperty("type").GetString());
        var data = root.GetProperty("data");
        Assert.Equal(["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"],
            data.EnumerateObject().Select(p => p.Name));
        var usage = data.GetProperty("cpu").GetProperty("usage");
        Assert.Equal(["total", "percpu", "kernel", "user"], usage.EnumerateObject().Select(p => p.Name));
        Assert.Equal(0UL, usage.GetProperty("kernel").GetUInt64());
        // memory: usage and max only when non-zero, limit and failcnt always; raw sorted by key
        var mem = data.GetProperty("memory");
        Assert.Equal("{\"limit\":1048576,\"usage\":4096,\"failcnt\":0}", mem.GetProperty("usage").GetRawText());
        Assert.Equal("{\"limit\":0,\"failcnt\":0}", mem.GetProperty("swap").GetRawText());
        Assert.Equal(["cache", "rss"], mem.GetProperty("raw").EnumerateObject().Select(p => p.Name));
        Assert.Equal("{\"current\":3}", data.GetProperty("pids").GetRawText());
        Assert.Equal("{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":512}]}", data.GetProperty("blkio").GetRawText());
        Assert.Equal("{\"2MB\":{\"failcnt\":0}}", data.GetProperty("hugetlb").GetRawText());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("network_interfaces").ValueKind);
    }
}
