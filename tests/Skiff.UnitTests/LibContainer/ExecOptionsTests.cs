using Skiff.LibContainer;
using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.LibContainer;

public class ExecOptionsTests
{
    private static Spec ContainerSpec() => new()
    {
        Process = new Process
        {
            Args = ["sleep", "100"],
            Env = ["PATH=/bin", "A=1"],
            Cwd = "/",
            User = new User { Uid = 0, Gid = 0 },
            Capabilities = new LinuxCapabilities { Bounding = ["CAP_CHOWN"], Effective = ["CAP_CHOWN"], Permitted = ["CAP_CHOWN"] },
        },
    };

    [Fact]
    public void FlagsApplyOnTopOfTheContainerProcess()
    {
        var o = new ExecOptions { Args = ["id"], Env = ["B=2"], User = "1000:100", Cwd = "/tmp", Caps = ["CAP_NET_ADMIN", "sys_admin"] };
        var p = o.BuildProcess(ContainerSpec());
        Assert.Equal(["id"], p.Args);
        Assert.Equal(["PATH=/bin", "A=1", "B=2"], p.Env);
        Assert.Equal(1000u, p.User.Uid);
        Assert.Equal(100u, p.User.Gid);
        Assert.Equal("/tmp", p.Cwd);
        Assert.Equal(["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_ADMIN"], p.Capabilities!.Bounding);
        Assert.Equal(["CAP_CHOWN", "CAP_NET_ADMIN", "CAP_SYS_ADMIN"], p.Capabilities.Effective);
        Assert.False(p.Terminal);
    }

    [Fact]
    public void ContainerSpecIsNotModified()
    {
        var spec = ContainerSpec();
        new ExecOptions { Args = ["x"], Caps = ["CAP_KILL"], Env = ["C=3"] }.BuildProcess(spec);
        Assert.Equal(["CAP_CHOWN"], spec.Process!.Capabilities!.Bounding);
        Assert.Equal(2, spec.Process.Env!.Count);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1:x")]
    public void BadUserIsAnError(string user)
    {
        var ex = Assert.Throws<ContainerException>(() => new ExecOptions { Args = ["x"], User = user }.BuildProcess(ContainerSpec()));
        Assert.Matches("parsing .* as int for [ug]id failed", ex.Message);
    }

    [Fact]
    public void EmptyArgsIsAnError()
    {
        Assert.Throws<ContainerException>(() => new ExecOptions().BuildProcess(ContainerSpec()));
    }

    [Fact]
    public void ProcessFileReplacesTheProcess()
    {
        string f = Path.GetTempFileName();
        try
        {
            File.WriteAllText(f, "{\"args\":[\"ls\",\"-l\"],\"cwd\":\"/etc\",\"user\":{\"uid\":5,\"gid\":6},\"env\":[\"X=1\"]}");
            // as runc's getProcess: the file is taken as is, --tty does not override it
            var p = new ExecOptions { ProcessFile = f, Tty = true }.BuildProcess(ContainerSpec());
            Assert.Equal(["ls", "-l"], p.Args);
            Assert.Equal("/etc", p.Cwd);
            Assert.Equal(5u, p.User.Uid);
            Assert.False(p.Terminal);
            File.WriteAllText(f, "{\"args\": [");
            var ex = Assert.Throws<ContainerException>(() => new ExecOptions { ProcessFile = f }.BuildProcess(ContainerSpec()));
            Assert.StartsWith($"parsing {f}", ex.Message);
        }
        finally
        {
            File.Delete(f);
        }
    }

    [Fact]
    public void MissingProcessFileIsAnError()
    {
        var ex = Assert.Throws<ContainerException>(() => new ExecOptions { ProcessFile = "/nonexistent/p.json" }.BuildProcess(ContainerSpec()));
        Assert.Equal("open /nonexistent/p.json: no such file or directory", ex.Message);
    }
}
