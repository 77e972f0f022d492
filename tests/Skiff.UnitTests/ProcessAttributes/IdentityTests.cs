using Skiff.LibContainer.ProcessAttributes;
using Xunit;

namespace Skiff.UnitTests.ProcessAttributes;

public sealed class IdentityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("skiff-identity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void HomeFromPasswd_FirstMatchingUid()
    {
        string passwd = Path.Combine(_dir, "passwd");
        File.WriteAllText(passwd,
            "root:x:0:0:root:/root:/bin/sh\n\n  u1:x:1000:1000::/home/u1:/bin/sh  \nu1b:x:1000:1000::/home/other:/bin/sh\nshort:x:7\n");
        Assert.Equal("/root", Identity.HomeFromPasswd(passwd, 0));
        Assert.Equal("/home/u1", Identity.HomeFromPasswd(passwd, 1000));
        Assert.Equal("", Identity.HomeFromPasswd(passwd, 7));
        Assert.Null(Identity.HomeFromPasswd(passwd, 1001));
        Assert.Null(Identity.HomeFromPasswd(Path.Combine(_dir, "missing"), 0));
    }

    [Fact]
    public void Env_GetUsesLastEntry_SetReplacesInPlaceOrAppends()
    {
        var env = new List<string> { "PATH=/bin", "HOME=", "HOMEX=1", "HOME=/x" };
        Assert.Equal("/x", Identity.GetEnv(env, "HOME"));
        Identity.SetEnv(env, "HOME", "/root");
        Assert.Equal(["PATH=/bin", "HOME=/root", "HOMEX=1", "HOME=/root"], env);
        Identity.SetEnv(env, "TERM", "xterm");
        Assert.Equal("TERM=xterm", env[^1]);
        Assert.Null(Identity.GetEnv(env, "HOM"));
    }
}
