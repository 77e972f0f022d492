using Skiff.Cli.Commands;
using Skiff.LibContainer;
using Xunit;

namespace Skiff.UnitTests.Cli;

public class SignalsTests
{
    [Theory]
    [InlineData("KILL", 9)]
    [InlineData("SIGKILL", 9)]
    [InlineData("kill", 9)]
    [InlineData("sigterm", 15)]
    [InlineData("TERM", 15)]
    [InlineData("9", 9)]
    [InlineData("99", 99)]   // numbers pass through; the kernel rejects bad ones
    [InlineData("-5", -5)]
    [InlineData("SIGSTKFLT", 16)]
    [InlineData("PWR", 30)]
    [InlineData("SYS", 31)]
    [InlineData("WINCH", 28)]
    [InlineData("USR1", 10)]
    public void Parse_AcceptsRuncForms(string raw, int expected) => Assert.Equal(expected, Signals.Parse(raw));

    [Theory]
    [InlineData("FOO")]
    [InlineData("SIGFOO")]
    [InlineData("IOT")]      // x/sys/unix has one name per signal: no aliases
    [InlineData("RTMIN")]
    [InlineData("")]
    public void Parse_RejectsUnknownNames(string raw)
    {
        var ex = Assert.Throws<ContainerException>(() => Signals.Parse(raw));
        Assert.Equal($"unknown signal \"{raw}\"", ex.Message);
    }

    [Fact]
    public void Names_CoverOneToThirtyOne()
    {
        for (int i = 1; i <= 31; i++)
            Assert.Equal(i, Signals.Parse(Signals.Name(i)));
    }
}
