using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`run` in the foreground (runc's run.bats / start_hello.bats).</summary>
public sealed class RunTests : ContainerTest
{
    [Fact]
    public void RunHelloPrintsOutputAndExitsZero()
    {
        var b = ShellBundle("echo hello from the container");
        var id = NewId();
        var r = Rt.Run(id, b).AssertSuccess();
        Assert.Equal("hello from the container\n", r.Stdout);
        AssertNothingLeaked(id, b);
    }

    [Theory]
    [InlineData("2", "three\nfour\n")]
    [InlineData("0", "no fd 3\n")]
    [InlineData("-1", "no fd 3\n")] // runc passes as many files as its loop from 3 makes: none
    public void PreservedFdsReachTheContainer(string n, string expected)
    {
        // fds 3 and 4 of the caller, opened by the shell that starts run, become the container's 3 and 4
        var b = ShellBundle("if [ -e /proc/self/fd/3 ]; then cat <&3; cat <&4; else echo no fd 3; fi");
        b.Save();
        string three = Path.Combine(b.Dir, "three"), four = Path.Combine(b.Dir, "four");
        File.WriteAllText(three, "three\n");
        File.WriteAllText(four, "four\n");
        var id = NewId();
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec 3<\"$1\" 4<\"$2\"; shift 2; exec \"$@\" </dev/null");
        foreach (var a in new[] { "sh", three, four, RepoPaths.RuntimePath, "--root", Rt.Root, "run", "--preserve-fds", n, "-b", b.Dir, id })
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"run --preserve-fds {n} exited {p.ExitCode}: {stderr}");
        Assert.Equal(expected, stdout);
        AssertNothingLeaked(id, b);
    }

    [Theory]
    [InlineData("run")]
    [InlineData("create")]
    public void AMissingPreservedFdIsNamed(string verb)
    {
        // runc's check before anything is made. Which fd is missing is not fixed: the runtime opens a few of its own
        // at start (/dev/urandom, ...), which fill the lowest free numbers; 40 fds reach past them.
        var b = NewBundle("true");
        b.Save();
        var id = NewId();
        // stderr to a file: a create that wrongly succeeded would hold a pipe open for its container's lifetime
        string err = Path.Combine(b.Dir, "stderr");
        var psi = new System.Diagnostics.ProcessStartInfo("/bin/sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("e=$1; shift; exec 3</dev/null; exec \"$@\" </dev/null >/dev/null 2>\"$e\"");
        foreach (var a in new[] { "sh", err, RepoPaths.RuntimePath, "--root", Rt.Root, verb, "--preserve-fds", "40", "-b", b.Dir, id })
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), $"{verb} did not exit");
        string stderr = File.ReadAllText(err);
        Assert.True(p.ExitCode == 1, $"{verb} exited {p.ExitCode}: {stderr}");
        Assert.Matches(@"unable to stat preserved-fd \d+ \(of 40\): stat /proc/self/fd/\d+: no such file or directory", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void RunExitsWithTheContainersStatus()
    {
        var b = ShellBundle("exit 3");
        var id = NewId();
        var r = Rt.Run(id, b);
        Assert.Equal(3, r.ExitCode);
        AssertNothingLeaked(id, b);
    }

    // A process orphaned inside the container (no pid namespace) is reparented to its nearest subreaper: `run`
    // itself (the container's init is run's child, so init's $PPID is run), or with --no-subreaper someone above
    // run. The $( ... ) subshell has exited and been reaped when it returns, so the reparenting has happened.
    private const string OrphanParent =
        "o=$(sleep 100 >/dev/null 2>&1 & echo $!); " +
        "echo \"run=$PPID orphan=$(sed -n 's/^PPid:[[:space:]]*//p' /proc/$o/status)\"; kill $o";

    [Fact]
    public void RunIsTheSubreaperOfTheContainersOrphans()
    {
        var b = ShellBundle(OrphanParent).RemoveNamespace("pid");
        var id = NewId();
        string[] f = Rt.Run(id, b).AssertSuccess().Stdout.Trim().Split(' ');
        Assert.Equal(f[0]["run=".Length..], f[1]["orphan=".Length..]);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void NoSubreaperLeavesTheOrphansToTheHost()
    {
        var b = ShellBundle(OrphanParent).RemoveNamespace("pid");
        var id = NewId();
        string[] f = Rt.Run(id, b, "--no-subreaper").AssertSuccess().Stdout.Trim().Split(' ');
        Assert.StartsWith("run=", f[0]);
        Assert.Matches("^orphan=[0-9]+$", f[1]);
        Assert.NotEqual(f[0]["run=".Length..], f[1]["orphan=".Length..]);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void RunOfAProcessKilledBySigkillExits137()
    {
        // Without a pid namespace sh is not an init, so it can SIGKILL itself.
        var b = ShellBundle("kill -9 $$").RemoveNamespace("pid");
        var id = NewId();
        var r = Rt.Run(id, b);
        Assert.Equal(137, r.ExitCode);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public async Task RunOfAContainerKilledFromOutsideExits137()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        var run = RunInBackground(id, b);
        Rt.Kill(id, "KILL").AssertSuccess();
        var r = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(137, r.ExitCode);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public async Task RunExitsWith128PlusTheSignalThatKilledTheProcess()
    {
        // A pid-namespace init ignores SIGTERM without a handler, so this runs in the host pid namespace.
        var b = NewBundle("sleep", "100").RemoveNamespace("pid");
        var id = NewId();
        var run = RunInBackground(id, b);
        Rt.Kill(id).AssertSuccess();
        var r = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(143, r.ExitCode);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void RunPassesStdinThrough()
    {
        var b = NewBundle("cat");
        var id = NewId();
        var r = Rt.Exec(["run", "-b", b.Save().Dir, id], stdin: "piped input\n").AssertSuccess();
        Assert.Equal("piped input\n", r.Stdout);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void RunWritesStderrSeparately()
    {
        var b = ShellBundle("echo out; echo err >&2");
        var id = NewId();
        var r = Rt.Run(id, b).AssertSuccess();
        Assert.Equal("out\n", r.Stdout);
        Assert.Contains("err\n", r.Stderr);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void RunDetachedLeavesTheContainerRunningAndDeleteRemovesIt()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.Run(id, b, "--detach").AssertSuccess();
        Assert.Equal("running", Rt.Status(id));
        Rt.Kill(id, "KILL").AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void RunWithPidFileWritesTheInitPid()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        var pidFile = Path.Combine(b.Dir, "pid");
        Rt.Run(id, b, "--detach", "--pid-file", pidFile).AssertSuccess();
        var state = Rt.State(id);
        Assert.Equal(state["pid"]!.GetValue<int>().ToString(), File.ReadAllText(pidFile));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void RunRemovesTheStateAfterTheContainerExits()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.Run(id, b).AssertSuccess();
        Rt.StateRaw(id).AssertFailure("container does not exist");
        AssertNothingLeaked(id, b);
    }
}
