using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>Failure paths: each fails with runc's exit code and message, and leaves nothing behind.</summary>
public sealed class FailureTests : ContainerTest
{
    [Fact]
    public void AMissingBundle()
    {
        var id = NewId();
        var missing = Path.Combine(RepoPaths.TempRoot, "no-such-bundle");
        Rt.Exec("run", "-b", missing, id).AssertFailure($"{{prog}} run failed: chdir {missing}: no such file or directory", exitCode: 1);
        AssertNothingLeaked(id);
    }

    [Fact]
    public void AMissingConfig()
    {
        var id = NewId();
        var b = NewBundle();
        Directory.CreateDirectory(b.Dir);
        Rt.Exec("create", "-b", b.Dir, id).AssertFailure("{prog} create failed: ", exitCode: 1);
        Assert.Contains("config.json", Rt.Exec("create", "-b", b.Dir, id).Stderr);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AMalformedConfig()
    {
        var id = NewId();
        var b = NewBundle();
        File.WriteAllText(b.ConfigPath, "{bad json");
        Rt.Exec("run", "-b", b.Dir, id).AssertFailure("{prog} run failed: ", exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AMissingRootfs()
    {
        var id = NewId();
        var b = NewBundle();
        b.Root["path"] = "/nonexistent-rootfs";
        Rt.Run(id, b).AssertFailure("invalid rootfs: stat /nonexistent-rootfs: no such file or directory", exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [Theory]
    [InlineData("state")]
    [InlineData("kill")]
    [InlineData("delete")]
    [InlineData("start")]
    public void AnUnknownId(string verb)
    {
        var id = NewId();
        Rt.Exec(verb, id).AssertFailure("container does not exist", exitCode: 1);
        AssertNothingLeaked(id);
    }

    [Fact]
    public void ADuplicateId()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Rt.Create(id, b).AssertFailure("container with given ID already exists", exitCode: 1);
        Assert.Equal("created", Rt.Status(id));
        Assert.Equal(pid, Rt.State(id)["pid"]!.GetValue<int>());
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AnInvalidId()
    {
        var b = NewBundle("true");
        Rt.Run("bad/id", b).AssertFailure("invalid container ID format", exitCode: 1);
        Assert.False(Directory.Exists(Path.Combine(Rt.Root, "bad")));
    }

    [Fact]
    public void AMissingBinaryInPath()
    {
        var b = NewBundle("no-such-binary");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("unable to start container process: exec: \"no-such-binary\": executable file not found in $PATH", exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AMissingBinaryByPath()
    {
        var b = NewBundle("/bin/no-such-binary");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("exec: \"/bin/no-such-binary\": stat /bin/no-such-binary: no such file or directory", exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ANonExecutableArg()
    {
        var b = NewBundle("/etc");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("exec: \"/etc\": permission denied", exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AMissingBinaryOnCreateLeavesNothing()
    {
        var b = NewBundle("no-such-binary");
        var id = NewId();
        var created = Rt.Create(id, b);
        if (created.ExitCode == 0)
        {
            // runc finds the binary at create time; a runtime that defers the lookup must fail at start.
            Rt.Start(id).AssertFailure();
            Rt.Delete(id, force: true);
        }
        else
        {
            created.AssertFailure("executable file not found in $PATH");
        }
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AnUnknownCommand()
    {
        var r = Rt.Exec("no-such-command");
        Assert.NotEqual(0, r.ExitCode);
    }

    [Fact]
    public void AMissingArgsList()
    {
        var b = NewBundle();
        b.Process.Remove("args");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("args must not be empty", exitCode: 1);
        AssertNothingLeaked(id, b);
    }
}
