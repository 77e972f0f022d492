using Skiff.Cli.CommandLine;
using Xunit;

namespace Skiff.UnitTests.Cli;

public class ArgParserTests
{
    private static readonly Flag[] s_flags =
    [
        Flag.Str("bundle", "", null, "b"),
        Flag.Bool("detach", "", "d"),
        Flag.Int("preserve-fds", ""),
        Flag.List("env", "", "e"),
        Flag.Bool("all", "", "a"),
    ];

    [Theory]
    [InlineData("-b", "X")]
    [InlineData("--bundle", "X")]
    [InlineData("--bundle=X")]
    [InlineData("-bundle", "X")]
    [InlineData("-b=X")]
    public void ValueFlag_AllGoForms(params string[] args)
    {
        var p = ArgParser.Parse(s_flags, [.. args, "id"]);
        Assert.Equal("X", p.String("bundle"));
        Assert.Equal(["id"], p.Positional);
    }

    [Fact]
    public void KnownFlagsAfterArguments_AreReordered()
    {
        var p = ArgParser.Parse(s_flags, ["id", "-b", "/x", "--detach"]);
        Assert.Equal("/x", p.String("bundle"));
        Assert.True(p.Bool("detach"));
        Assert.Equal(["id"], p.Positional);
    }

    [Fact]
    public void UnknownFlagAfterArgument_StaysPositional()
    {
        var p = ArgParser.Parse(s_flags, ["id", "-9"]);
        Assert.Equal(["id", "-9"], p.Positional);
    }

    [Fact]
    public void DoubleDash_EndsFlags()
    {
        var p = ArgParser.Parse(s_flags, ["--", "-d", "x"]);
        Assert.False(p.Bool("detach"));
        Assert.Equal(["-d", "x"], p.Positional);
    }

    [Theory]
    [InlineData("--detach=false", false)]
    [InlineData("-d=true", true)]
    [InlineData("-d=1", true)]
    [InlineData("-d=F", false)]
    [InlineData("-d", true)]
    public void BoolFlag_GoParseBool(string arg, bool expected) =>
        Assert.Equal(expected, ArgParser.Parse(s_flags, [arg]).Bool("detach"));

    [Fact]
    public void BoolFlag_DoesNotTakeTheNextArgument()
    {
        var p = ArgParser.Parse(s_flags, ["-d", "false"]);
        Assert.True(p.Bool("detach"));
        Assert.Equal(["false"], p.Positional);
    }

    [Fact]
    public void ListFlag_Accumulates()
    {
        var p = ArgParser.Parse(s_flags, ["-e", "A=1", "--env=B=2"]);
        Assert.Equal(["A=1", "B=2"], p.List("env"));
    }

    [Theory]
    [InlineData("flag provided but not defined: -x", "-x")]
    [InlineData("flag provided but not defined: -da", "-da")] // no combined short flags (urfave v1 as runc uses it)
    [InlineData("flag provided but not defined: -bX", "-bX")]
    [InlineData("flag needs an argument: -b", "-b")]
    [InlineData("flag needs an argument: -bundle", "--bundle")]
    [InlineData("invalid value \"abc\" for flag -preserve-fds: parse error", "--preserve-fds", "abc")]
    [InlineData("invalid boolean value \"maybe\" for -detach: parse error", "--detach=maybe")]
    [InlineData("bad flag syntax: ---x", "---x")]
    public void Errors_UseGoFlagWording(string message, params string[] args)
    {
        var ex = Assert.Throws<UsageException>(() => ArgParser.Parse(s_flags, args));
        Assert.Equal(message, ex.Message);
        Assert.False(ex.ArgCount);
    }

    [Fact]
    public void GlobalLevel_StopsAtTheCommand()
    {
        Flag[] global = [Flag.Str("root", ""), Flag.Bool("debug", "")];
        var p = ArgParser.Parse(global, ["--root", "/r", "--debug", "create", "-b", "x", "id"], stopAtFirstPositional: true, out int consumed);
        Assert.Equal("/r", p.String("root"));
        Assert.True(p.Bool("debug"));
        Assert.Equal(3, consumed);
    }

    [Fact]
    public void SkipArgReorder_TreatsEverythingAfterTheFirstArgumentAsPositional()
    {
        var p = ArgParser.Parse(s_flags, ["-d", "id", "sh", "-c", "-b"], stopAtFirstPositional: true);
        Assert.True(p.Bool("detach"));
        Assert.Null(p.String("bundle"));
        Assert.Equal(["id", "sh", "-c", "-b"], p.Positional);
    }

    [Fact]
    public void HelpName_IsUrfaveStyle()
    {
        Assert.Equal("--bundle value, -b value", s_flags[0].HelpName());
        Assert.Equal("--all, -a", s_flags[4].HelpName());
    }
}
