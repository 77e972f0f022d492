using Skiff.LibContainer;
using Xunit;

namespace Skiff.UnitTests.LibContainer;

public class ProcStatTests
{
    [Fact]
    public void ReadsOwnStartTimeAndState()
    {
        var st = ProcStat.Read(Environment.ProcessId);
        Assert.NotNull(st);
        Assert.True(st.Value.Start > 0);
        Assert.True(ProcStat.IsAlive(Environment.ProcessId, st.Value.Start));
        Assert.False(ProcStat.IsAlive(Environment.ProcessId, st.Value.Start + 1)); // pid reuse guard
    }

    [Fact]
    public void ALiveProcessIsNotExitingAndAMissingOneIs()
    {
        Assert.False(ProcStat.IsExiting(Environment.ProcessId));
        Assert.True(ProcStat.IsExiting(int.MaxValue - 1));
    }

    [Fact]
    public void MissingProcessIsNull()
    {
        Assert.Null(ProcStat.Read(int.MaxValue - 1));
        Assert.Null(ProcStat.Read(0));
    }

    [Theory]
    [InlineData("ok-1")]
    [InlineData("a.b_c+d")]
    public void GoodIds(string id) => Ids.Validate(id);

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a b")]
    public void BadIds(string id) => Assert.Throws<ContainerException>(() => Ids.Validate(id));
}
