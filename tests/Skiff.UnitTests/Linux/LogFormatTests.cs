using Skiff.Linux.Logging;
using Xunit;

namespace Skiff.UnitTests.Linux;

public class LogFormatTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 29, 1, 18, 5, 123, TimeSpan.Zero);

    [Fact]
    public void JsonLineHasLogrusSortedKeysAndWholeSeconds()
    {
        string line = System.Text.Encoding.UTF8.GetString(Log.Format(LogLevel.Error, "skiff run failed: x \"y\"", T, json: true));
        Assert.Equal("{\"level\":\"error\",\"msg\":\"skiff run failed: x \\u0022y\\u0022\",\"time\":\"2026-11-29T01:18:05Z\"}\n", line);
    }

    [Fact]
    public void TextLineQuotesLikeLogrus()
    {
        string line = System.Text.Encoding.UTF8.GetString(Log.Format(LogLevel.Warning, "a \"b\"\nc", T, json: false));
        Assert.Equal("time=\"2026-11-29T01:18:05Z\" level=warning msg=\"a \\\"b\\\"\\nc\"\n", line);
    }

    [Fact]
    public void NonUtcOffsetIsWritten()
    {
        Assert.Equal("2026-11-29T01:18:05+02:00", Log.Rfc3339(new DateTimeOffset(2026, 11, 29, 1, 18, 5, TimeSpan.FromHours(2))));
        Assert.Equal("2026-11-29T01:18:05-05:30", Log.Rfc3339(new DateTimeOffset(2026, 11, 29, 1, 18, 5, TimeSpan.FromHours(-5.5))));
    }

    [Theory]
    [InlineData("debug", LogLevel.Debug)]
    [InlineData("warn", LogLevel.Warning)]
    [InlineData("fatal", LogLevel.Fatal)]
    public void LevelsParse(string name, LogLevel level) => Assert.Equal(level, Log.ParseLevel(name));
}
