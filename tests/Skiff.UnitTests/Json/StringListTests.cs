using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Json;

public class StringListTests
{
    [Fact]
    public void FindsOrdinalMatchesOnly()
    {
        string[] list = ["SECCOMP_FILTER_FLAG_LOG", "cpu"];
        Assert.True(StringList.Contains(list, "cpu"));
        Assert.True(StringList.Contains(list, "SECCOMP_FILTER_FLAG_LOG"));
        Assert.False(StringList.Contains(list, "CPU"));
        Assert.False(StringList.Contains(list, "cpuacct"));
    }

    [Fact]
    public void NullOrEmptyListHoldsNothing()
    {
        Assert.False(StringList.Contains(null, "cpu"));
        Assert.False(StringList.Contains([], ""));
    }
}
