using Skiff.Cli.Commands;
using Skiff.LibContainer;
using Xunit;

namespace Skiff.UnitTests.Cli;

public class ContainerIdTests
{
    [Theory]
    [InlineData("abc")]
    [InlineData("a.b_c-d+e")]
    [InlineData("a,b")]   // runc's regex class "+-\." is a range that includes ','
    [InlineData("...")]
    [InlineData("a..b")]
    [InlineData("-x")]
    public void Valid(string id) => Assert.True(ContainerId.IsValid(id));

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("../x")]
    [InlineData("a b")]
    [InlineData("a:b")]
    [InlineData("é")]
    public void Invalid(string id)
    {
        Assert.False(ContainerId.IsValid(id));
        Assert.Equal("invalid container ID format", Assert.Throws<ContainerException>(() => ContainerId.Require(id)).Message);
    }

    [Fact]
    public void Empty() =>
        Assert.Equal("container id cannot be empty", Assert.Throws<ContainerException>(() => ContainerId.Require("")).Message);
}
