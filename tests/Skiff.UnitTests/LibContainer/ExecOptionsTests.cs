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
        Assert.Contains(user == "abc" ? "parsing abc as int for uid failed" : "parsing x as int for gid failed", ex.Message);
    }

    [Fact]
    public void CapsGoToAmbientOnlyWhenTheSpecHasInheritable()
    {
        var spec = ContainerSpec();
        var p = new ExecOptions { Args = ["x"], Caps = ["CAP_KILL"] }.BuildProcess(spec);
        Assert.Null(p.Capabilities!.Ambient);
        Assert.Equal(["CAP_CHOWN", "CAP_KILL"], p.Capabilities.Permitted);
        spec.Process!.Capabilities!.Inheritable = [];
        p = new ExecOptions { Args = ["x"], Caps = ["CAP_KILL"] }.BuildProcess(spec);
        Assert.Equal(["CAP_KILL"], p.Capabilities!.Ambient);
    }

    [Fact]
    public void TtyAndNoNewPrivsOverrideOnlyWhenGiven()
    {
        var spec = ContainerSpec();
        spec.Process!.Terminal = true;
        spec.Process.NoNewPrivileges = true;
        var p = new ExecOptions { Args = ["x"] }.BuildProcess(spec);
        Assert.False(p.Terminal);
        Assert.True(p.NoNewPrivileges);
        p = new ExecOptions { Args = ["x"], Tty = true, NoNewPrivs = false }.BuildProcess(spec);
        Assert.True(p.Terminal);
        Assert.False(p.NoNewPrivileges);
    }

    [Fact]
    public void AdditionalGidsAreAppendedAndMustBePositive()
    {
        var p = new ExecOptions { Args = ["x"], AdditionalGids = [10, 20] }.BuildProcess(ContainerSpec());
        Assert.Equal([10u, 20u], p.User.AdditionalGids);
        var ex = Assert.Throws<ContainerException>(() => new ExecOptions { Args = ["x"], AdditionalGids = [-1] }.BuildProcess(ContainerSpec()));
        Assert.Equal("additional-gids must be a positive number -1", ex.Message);
    }

    [Theory]
    [InlineData("", "Cwd property must not be empty")]
    [InlineData("rel/dir", "Cwd must be an absolute path")]
    public void CwdIsValidated(string cwd, string message)
    {
        var spec = ContainerSpec();
        spec.Process!.Cwd = cwd;
        var ex = Assert.Throws<ContainerException>(() => new ExecOptions { Args = ["x"] }.BuildProcess(spec));
        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public void SubCgroupArgumentsAreParsedAsRunc()
    {
        Assert.Null(ExecOptions.ParseSubCgroups([]));
        Assert.Equal(new Dictionary<string, string> { [""] = "sub" }, ExecOptions.ParseSubCgroups(["sub"]));
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "a", ["memory"] = "a", ["pids"] = "b" },
            ExecOptions.ParseSubCgroups(["cpu,memory:a", "pids:b"]));
        Assert.Contains("missing <controller>: prefix", Assert.Throws<ContainerException>(() => ExecOptions.ParseSubCgroups(["a", "pids:b"])).Message);
        Assert.Contains("empty <controller> prefix", Assert.Throws<ContainerException>(() => ExecOptions.ParseSubCgroups([",cpu:a"])).Message);
        Assert.Contains("controller cpu specified multiple times", Assert.Throws<ContainerException>(() => ExecOptions.ParseSubCgroups(["cpu:a", "cpu:b"])).Message);
    }

    [Fact]
    public void SubCgroupPathsStayBelowTheContainersCgroup()
    {
        var paths = new Dictionary<string, string> { ["pids"] = "/sys/fs/cgroup/pids/c1", ["memory"] = "/sys/fs/cgroup/memory/c1" };
        var all = Container.SubCgroupPaths(paths, new Dictionary<string, string> { [""] = "/x/y" });
        Assert.Equal("/sys/fs/cgroup/pids/c1/x/y", all["pids"]);
        Assert.Equal("/sys/fs/cgroup/memory/c1/x/y", all["memory"]);
        var one = Container.SubCgroupPaths(paths, new Dictionary<string, string> { ["pids"] = "s" });
        Assert.Equal("/sys/fs/cgroup/pids/c1/s", one["pids"]);
        Assert.Equal("/sys/fs/cgroup/memory/c1", one["memory"]);
        Assert.Contains("is not a sub cgroup path", Assert.Throws<ContainerException>(() => Container.SubCgroupPaths(paths, new Dictionary<string, string> { ["pids"] = "../../x" })).Message);
        Assert.Contains("unknown controller cpu", Assert.Throws<ContainerException>(() => Container.SubCgroupPaths(paths, new Dictionary<string, string> { ["cpu"] = "s" })).Message);
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
            var p = new ExecOptions { ProcessFile = f, Tty = true }.BuildProcess(ContainerSpec());
            Assert.Equal(["ls", "-l"], p.Args);
            Assert.Equal("/etc", p.Cwd);
            Assert.Equal(5u, p.User.Uid);
            Assert.False(p.Terminal); // runc: with --process, --tty is ignored
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
