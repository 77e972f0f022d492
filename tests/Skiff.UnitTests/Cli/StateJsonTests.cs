using Skiff.Cli.Commands;
using Xunit;

namespace Skiff.UnitTests.Cli;

public class StateJsonTests
{
    private static readonly DateTimeOffset s_created = new DateTimeOffset(2026, 11, 29, 1, 18, 29, TimeSpan.Zero).AddTicks(2729093);

    private static StateJson.ContainerState Sample(Dictionary<string, string>? ann = null, string owner = "") =>
        new("1.2.0", "test1", 6869, "created", "/tmp/rb", "/tmp/rb/rootfs", s_created, ann, owner);

    [Theory]
    [InlineData(0, "2026-11-29T01:18:29Z")]
    [InlineData(2729093, "2026-11-29T01:18:29.2729093Z")]
    [InlineData(1000000, "2026-11-29T01:18:29.1Z")]
    [InlineData(1230, "2026-11-29T01:18:29.000123Z")]
    public void Rfc3339Nano_TrimsTrailingZeros(long ticks, string expected) =>
        Assert.Equal(expected, StateJson.Rfc3339Nano(new DateTimeOffset(2026, 11, 29, 1, 18, 29, TimeSpan.Zero).AddTicks(ticks)));

    [Fact]
    public void Rfc3339Nano_ConvertsToUtc() =>
        Assert.Equal("2026-11-29T00:18:29Z", StateJson.Rfc3339Nano(new DateTimeOffset(2026, 11, 29, 1, 18, 29, TimeSpan.FromHours(1))));

    [Fact]
    public void State_IsRuncMarshalIndent()
    {
        // As `runc state` printed it on this host (no trailing newline; annotations before owner).
        const string expected = """
            {
              "ociVersion": "1.2.0",
              "id": "test1",
              "pid": 6869,
              "status": "created",
              "bundle": "/tmp/rb",
              "rootfs": "/tmp/rb/rootfs",
              "created": "2026-11-29T01:18:29.2729093Z",
              "annotations": {
                "a": "b"
              },
              "owner": ""
            }
            """;
        Assert.Equal(expected, StateJson.Indented(Sample(new() { ["a"] = "b" })));
    }

    [Fact]
    public void State_OmitsEmptyAnnotations() =>
        Assert.DoesNotContain("annotations", StateJson.Indented(Sample(new())));

    [Fact]
    public void ListJson_EmptyIsNull() => Assert.Equal("null", StateJson.Compact([]));

    [Fact]
    public void ListJson_IsCompactWithSortedAnnotations()
    {
        string json = StateJson.Compact([Sample(new() { ["z"] = "1", ["a"] = "2" }, "root")]);
        Assert.Equal("[{\"ociVersion\":\"1.2.0\",\"id\":\"test1\",\"pid\":6869,\"status\":\"created\",\"bundle\":\"/tmp/rb\","
            + "\"rootfs\":\"/tmp/rb/rootfs\",\"created\":\"2026-11-29T01:18:29.2729093Z\",\"annotations\":{\"a\":\"2\",\"z\":\"1\"},\"owner\":\"root\"}]", json);
    }

    [Fact]
    public void Table_MatchesRuncTabwriter()
    {
        // runc list's layout: minwidth 12, padding 3, last column not padded.
        string expected =
            "ID          PID         STATUS      BUNDLE      CREATED" + new string(' ', 24) + "OWNER\n" +
            "test1       6869        created     /tmp/rb     2026-11-29T01:18:29.2729093Z   root\n";
        Assert.Equal(expected, StateJson.Table([Sample(owner: "root")]));
    }

    [Fact]
    public void Table_Empty_IsHeaderOnly() =>
        Assert.Equal("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n", StateJson.Table([]));

    [Fact]
    public void Table_LongCellsWidenTheirColumn()
    {
        var s = new StateJson.ContainerState("1.2.0", "a-very-long-container-id", 1, "running", "/b", "/b/r", s_created, null, "u");
        string[] lines = StateJson.Table([s]).Split('\n');
        Assert.StartsWith("ID" + new string(' ', 25) + "PID", lines[0]);
        Assert.StartsWith("a-very-long-container-id   1", lines[1]);
    }
}
