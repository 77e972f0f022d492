using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>create / start / state (runc's create.bats, start_detached.bats, state.bats).</summary>
public sealed class LifecycleTests : ContainerTest
{
    [Fact]
    public void CreateStartStateGoesCreatedRunningStopped()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        var created = Rt.State(id);
        Assert.Equal("created", created["status"]!.GetValue<string>());
        var pid = created["pid"]!.GetValue<int>();
        Assert.True(pid > 0);
        Assert.True(HostProc.IsAlive(pid), "the init process of a created container is alive on the host");

        Rt.Start(id).AssertSuccess();
        Assert.Equal("running", Rt.Status(id));
        Assert.Equal(pid, Rt.State(id)["pid"]!.GetValue<int>());
        Assert.Contains("sleep", HostProc.Cmdline(pid));

        Rt.Kill(id, "KILL").AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ACreatedContainerHasNotRunItsProcessYet()
    {
        var b = ShellBundle("echo started");
        var id = NewId();
        var created = Rt.Create(id, b).AssertSuccess();
        Thread.Sleep(300);
        Assert.Equal("", created.Stdout);
        Rt.Start(id).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Assert.Equal("started\n", created.Stdout);
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void StateHasTheOciFields()
    {
        var b = NewBundle("sleep", "100");
        b.Config["annotations"] = new JsonObject { ["org.example.key"] = "value" };
        var id = NewId();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        Rt.Create(id, b).AssertSuccess();
        var s = Rt.State(id);
        Assert.StartsWith("1.", s["ociVersion"]!.GetValue<string>());
        Assert.Equal(id, s["id"]!.GetValue<string>());
        Assert.Equal("created", s["status"]!.GetValue<string>());
        Assert.Equal(b.Dir, s["bundle"]!.GetValue<string>());
        Assert.Equal(b.RootfsPath, s["rootfs"]!.GetValue<string>());
        var createdAt = DateTimeOffset.Parse(s["created"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(createdAt, before, DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal("", s["owner"]!.GetValue<string>());
        Assert.Equal("value", s["annotations"]!["org.example.key"]!.GetValue<string>());
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void CreateWritesThePidFile()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        var pidFile = Path.Combine(b.Dir, "ctr.pid");
        Rt.Create(id, b, "--pid-file", pidFile).AssertSuccess();
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(pid.ToString(), File.ReadAllText(pidFile));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void CreateAcceptsARelativePidFileAndBundle()
    {
        var b = NewBundle("sleep", "100").Save();
        var id = NewId();
        var r = Rt.Exec(["create", "--bundle", b.Dir, "--pid-file", Path.Combine(b.Dir, "p"), id]).AssertSuccess();
        Assert.True(File.Exists(Path.Combine(b.Dir, "p")), r.Stderr);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void StatusBecomesStoppedWhenTheProcessExits()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        Assert.Equal(0, Rt.State(id)["pid"]!.GetValue<int>());
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void StartingARunningContainerFails()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.Start(id).AssertFailure("cannot start an already running container");
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public async Task StartFailsCleanlyWhenInitDiesWhileStartWaitsForIt()
    {
        // init stopped before it can answer start's opening of the exec fifo: start waits; init then dies
        var b = NewBundle("true");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        int pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(0, Native.Kill(pid, 19 /* SIGSTOP */));
        var start = Task.Run(() => Rt.Start(id));
        Assert.NotSame(start, await Task.WhenAny(start, Task.Delay(300)));
        Assert.Equal(0, Native.Kill(pid, 9));
        Assert.Same(start, await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(10))));
        (await start).AssertFailure("container process is already dead");
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public async Task StartWaitsForAStoppedInitAndSucceedsOnceItContinues()
    {
        // the control of the test above: the same wait, then init goes on and start succeeds
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        int pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(0, Native.Kill(pid, 19 /* SIGSTOP */));
        var start = Task.Run(() => Rt.Start(id));
        Assert.NotSame(start, await Task.WhenAny(start, Task.Delay(300)));
        Assert.Equal(0, Native.Kill(pid, 18 /* SIGCONT */));
        Assert.Same(start, await Task.WhenAny(start, Task.Delay(TimeSpan.FromSeconds(10))));
        (await start).AssertSuccess();
        Assert.Equal("running", Rt.State(id)["status"]!.GetValue<string>());
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [SkiffFact]
    public void ADamagedStateFileIsReportedInOneClearLine()
    {
        // state.json is written atomically, so only an outside hand damages it; then every verb says what is wrong
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        string file = Path.Combine(Rt.Root, id, "state.json");
        byte[] good = File.ReadAllBytes(file);
        try
        {
            File.WriteAllText(file, "{\"id\":\"" + id + "\",\"init_process_pid\":99999999999999}");
            var r = Rt.Exec("state", id).AssertFailure($"reading {file}: cannot read number 99999999999999 as int at byte");
            Assert.Single(r.ErrorMessages);
            File.WriteAllText(file, "{\"id\":");
            r = Rt.Exec("state", id).AssertFailure($"reading {file}: invalid JSON at byte 6");
            Assert.Single(r.ErrorMessages);
            // list goes on past it with a warning, as runc
            var list = Rt.Exec("list").AssertSuccess();
            Assert.DoesNotContain(id, list.Stdout);
            Assert.Contains($"loading container {id}: reading {file}: invalid JSON", list.Stderr);
        }
        finally
        {
            File.WriteAllBytes(file, good);
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void StartingAStoppedContainerFails()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        Rt.Start(id).AssertFailure("cannot start a container that has stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void StateWithoutAnIdFails()
    {
        var r = Rt.Exec("state");
        r.AssertFailure("\"state\" requires exactly 1 argument(s)");
    }
}
