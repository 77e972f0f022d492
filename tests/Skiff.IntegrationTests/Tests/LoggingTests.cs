using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>--log/--log-format/--debug: what containerd and conmon read (runc's logrus format).</summary>
public sealed class LoggingTests : ContainerTest
{
    private static List<JsonObject> JsonLines(string file) =>
        File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public void AFailureIsTheLastErrorLineOfTheJsonLog()
    {
        var b = NewBundle("/no/such/binary");
        var id = NewId();
        b.Save();
        string log = Path.Combine(b.Dir, "log.json");
        var r = Rt.Exec(["--log", log, "--log-format", "json", "run", "-b", b.Dir, id]);
        Assert.NotEqual(0, r.ExitCode);
        var lines = JsonLines(log);
        var last = lines.Last(l => l["level"]!.GetValue<string>() == "error");
        Assert.Contains("/no/such/binary", last["msg"]!.GetValue<string>());
        Assert.Contains("no such file or directory", last["msg"]!.GetValue<string>());
        // logrus keys and an RFC 3339 timestamp
        Assert.Equal(["level", "msg", "time"], last.Select(kv => kv.Key).ToArray());
        Assert.True(DateTimeOffset.TryParse(last["time"]!.GetValue<string>(), out _));
        // with the log in a file the error also reaches stderr, as runc's fatal()
        Assert.Contains("/no/such/binary", r.Stderr);
        AssertNothingLeaked(id, b);
    }

    /// <summary>runc's debug.bats: the milestones people and tests grep --debug output for, in each format and sink.</summary>
    [Theory]
    [InlineData(null)]
    [InlineData("text")]
    [InlineData("json")]
    public void DebugLogsRuncsMilestones(string? format)
    {
        var b = NewBundle("echo", "Hello World");
        var id = NewId();
        b.Save();
        string output;
        if (format is null)
        {
            var r = Rt.Exec(["--debug", "run", "-b", b.Dir, id]).AssertSuccess();
            output = r.Stderr;
            Assert.Contains("level=debug", output);
        }
        else
        {
            string log = Path.Combine(b.Dir, "log.out");
            var r = Rt.Exec(["--log", log, "--log-format", format, "--debug", "run", "-b", b.Dir, id]).AssertSuccess();
            Assert.DoesNotContain("level=debug", r.Stderr + r.Stdout);
            output = File.ReadAllText(log);
            Assert.Contains(format == "json" ? "\"level\":\"debug\"" : "level=debug", output);
        }
        Assert.Contains("nsexec container setup", output);
        Assert.Contains("child process in init()", output);
        Assert.Contains("init: closing the pipe to signal completion", output);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ExecDebugLogsTheSetupMilestones()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var r = Rt.Exec(["--debug", "exec", id, "true"]).AssertSuccess();
        Assert.Contains("nsexec container setup", r.Stderr);
        Assert.Contains("child process in init()", r.Stderr);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void DebugLinesFromTheContainersInitReachTheParentsLog()
    {
        if (RepoPaths.IsRunc) return; // runc's debug lines differ (runc has no sync-message debug lines)
        var b = NewBundle("true");
        var id = NewId();
        string log = Path.Combine(Path.GetTempPath(), $"skiff-log-{id}.json");
        try
        {
            b.Save();
            Rt.Exec(["--debug", "--log", log, "--log-format", "json", "run", "-b", b.Dir, id]).AssertSuccess();
            var msgs = JsonLines(log).Where(l => l["level"]!.GetValue<string>() == "debug")
                .Select(l => l["msg"]!.GetValue<string>()).ToList();
            // from the C bootstrap (nsexec), from `skiff init` (C#), and from the parent: one log
            Assert.Contains(msgs, m => m.StartsWith("nsexec-0[", StringComparison.Ordinal));
            Assert.Contains(msgs, m => m == "init: sync send procReady");
            Assert.Contains(msgs, m => m == "parent: sync recv procReady");
        }
        finally
        {
            File.Delete(log);
        }
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TextLogHasLogrusFields()
    {
        var b = NewBundle("/no/such/binary");
        var id = NewId();
        string log = Path.Combine(Path.GetTempPath(), $"skiff-log-{id}.txt");
        try
        {
            b.Save();
            Rt.Exec(["--log", log, "run", "-b", b.Dir, id]);
            string line = File.ReadAllLines(log).Last(l => l.Contains("level=error"));
            Assert.Matches("^time=\"[0-9T:+Z-]+\" level=error msg=\".*no/such/binary.*\"$", line);
        }
        finally
        {
            File.Delete(log);
        }
        AssertNothingLeaked(id, b);
    }
}
