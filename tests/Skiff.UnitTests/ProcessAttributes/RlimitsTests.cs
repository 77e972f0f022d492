using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.ProcessAttributes;

public class RlimitsTests
{
    [Theory]
    [InlineData("RLIMIT_CPU", 0)]
    [InlineData("RLIMIT_FSIZE", 1)]
    [InlineData("RLIMIT_DATA", 2)]
    [InlineData("RLIMIT_STACK", 3)]
    [InlineData("RLIMIT_CORE", 4)]
    [InlineData("RLIMIT_RSS", 5)]
    [InlineData("RLIMIT_NPROC", 6)]
    [InlineData("RLIMIT_NOFILE", 7)]
    [InlineData("RLIMIT_MEMLOCK", 8)]
    [InlineData("RLIMIT_AS", 9)]
    [InlineData("RLIMIT_LOCKS", 10)]
    [InlineData("RLIMIT_SIGPENDING", 11)]
    [InlineData("RLIMIT_MSGQUEUE", 12)]
    [InlineData("RLIMIT_NICE", 13)]
    [InlineData("RLIMIT_RTPRIO", 14)]
    [InlineData("RLIMIT_RTTIME", 15)]
    public void ResourceFromName_MapsAll16(string name, int expected)
    {
        Assert.Equal(expected, Rlimits.ResourceFromName(name));
    }

    [Fact]
    public void ResourceFromName_Unknown_UsesRuncText()
    {
        Assert.Equal(16, Rlimits.Names.Count);
        var ex = Assert.Throws<ContainerException>(() => Rlimits.ResourceFromName("RLIMIT_TEST"));
        Assert.Equal("wrong rlimit value: RLIMIT_TEST", ex.Message);
        Assert.Throws<ContainerException>(() => Rlimits.ResourceFromName("rlimit_nofile"));
    }

    [Fact]
    public void Set_SameValuesOnSelf_RoundTrips()
    {
        int pid = Libc.getpid();
        Rlimit cur = Libc.GetRlimit(pid, 4); // RLIMIT_CORE
        Rlimits.Set(pid, [new PosixRlimit { Type = "RLIMIT_CORE", Soft = cur.Cur, Hard = cur.Max }]);
        Assert.Equal(cur, Libc.GetRlimit(pid, 4));
    }

    [Fact]
    public void Set_Failure_UsesRuncText()
    {
        // soft above hard is EINVAL for anyone.
        var ex = Assert.Throws<ContainerException>(() => Rlimits.Set(Libc.getpid(),
            [new PosixRlimit { Type = "RLIMIT_NOFILE", Soft = 2048, Hard = 1024 }]));
        Assert.Equal("error setting rlimit type 7: invalid argument", ex.Message);
    }
}
