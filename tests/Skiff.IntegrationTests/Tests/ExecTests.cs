using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>`exec` (runc's exec.bats): the new process joins the container's namespaces and cgroups.</summary>
public sealed class ExecTests : ContainerTest
{
    private (string Id, Bundle Bundle, int Pid) StartSleeper(Action<Bundle>? edit = null)
    {
        var b = NewBundle("sleep", "1000").Hostname("exec-host");
        edit?.Invoke(b);
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "running");
        return (id, b, Rt.State(id)["pid"]!.GetValue<int>());
    }

    private void DeleteAndCheck(string id, Bundle b)
    {
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    /// <summary>The container's pids as `ps --format json` reports them.</summary>
    private int[] ContainerPids(string id) =>
        JsonNode.Parse(Rt.Exec("ps", "--format", "json", id).AssertSuccess().Stdout)!.AsArray().Select(n => n!.GetValue<int>()).Order().ToArray();

    [Fact]
    public void ExecSeesTheContainersHostnameNamespacesMountsAndCgroup()
    {
        var (id, b, pid) = StartSleeper();
        Assert.Equal("exec-host", Rt.Exec("exec", id, "hostname").AssertSuccess().Stdout.Trim());
        // pid namespace: init is pid 1 in there, and the process list is the container's
        var ps = Rt.Exec("exec", id, "cat", "/proc/1/cmdline").AssertSuccess().Stdout;
        Assert.StartsWith("sleep", ps.Replace('\0', ' '));
        // `ls` itself is the only other process: its pid list is init and itself
        var pids = Rt.Exec("exec", id, "ls", "-1", "/proc").AssertSuccess().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(n => n.All(char.IsAsciiDigit)).Select(int.Parse).Order().ToArray();
        Assert.Equal(2, pids.Length);
        Assert.Equal(1, pids[0]);
        foreach (var ns in new[] { "mnt", "uts", "ipc", "net", "pid" })
        {
            var inside = Rt.Exec("exec", id, "readlink", $"/proc/self/ns/{ns}").AssertSuccess().Stdout.Trim();
            Assert.Equal(HostProc.Namespace(pid, ns), inside);
        }
        // same mounts as init, and the same cgroups
        var mounts = Rt.Exec("exec", id, "cat", "/proc/self/mountinfo").AssertSuccess().Stdout;
        Assert.Equal(File.ReadAllText($"/proc/{pid}/mountinfo"), mounts);
        var cgroup = Rt.Exec("exec", id, "cat", "/proc/self/cgroup").AssertSuccess().Stdout;
        Assert.Equal(HostProc.Cgroup(pid), cgroup);
        Assert.Equal([pid], ContainerPids(id));
        DeleteAndCheck(id, b);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(42)]
    public void ExitStatusPassesThrough(int status)
    {
        var (id, b, _) = StartSleeper();
        var r = Rt.Exec("exec", id, "sh", "-c", $"echo out; exit {status}");
        Assert.Equal(status, r.ExitCode);
        Assert.Equal("out\n", r.Stdout);
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void KilledBySignalGives128PlusTheSignal()
    {
        var (id, b, _) = StartSleeper();
        Assert.Equal(128 + 9, Rt.Exec("exec", id, "sh", "-c", "kill -9 $$").ExitCode);
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void TwentyConcurrentExecsAllSucceed()
    {
        var (id, b, pid) = StartSleeper();
        var results = Enumerable.Range(0, 20).AsParallel().WithDegreeOfParallelism(20)
            .Select(i => Rt.Exec("exec", id, "sh", "-c", $"echo exec-{i} $(hostname)")).ToList();
        foreach (var (r, i) in results.Select((r, i) => (r, i)))
        {
            r.AssertSuccess();
            Assert.Equal($"exec-{i} exec-host\n", r.Stdout);
        }
        Assert.Equal([pid], ContainerPids(id));
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void EnvCwdAndDetachWithPidFile()
    {
        var (id, b, pid) = StartSleeper();
        var r = Rt.Exec("exec", "--env", "FOO=bar", "--env", "X=1", "--cwd", "/etc", id, "sh", "-c", "echo $FOO $X $(pwd)").AssertSuccess();
        Assert.Equal("bar 1 /etc\n", r.Stdout);
        var pidFile = Path.Combine(b.Dir, "exec.pid");
        Rt.Exec("exec", "-d", "--pid-file", pidFile, id, "sleep", "100").AssertSuccess();
        int execPid = int.Parse(File.ReadAllText(pidFile), CultureInfo.InvariantCulture);
        Assert.True(HostProc.IsAlive(execPid));
        Assert.Equal(HostProc.Namespace(pid, "pid"), HostProc.Namespace(execPid, "pid"));
        Assert.Equal([pid, execPid], ContainerPids(id).Order().ToArray());
        DeleteAndCheck(id, b);
        Assert.False(HostProc.IsAlive(execPid));
    }

    [Fact]
    public void ExecWithATtyThroughAConsoleSocket()
    {
        var (id, b, _) = StartSleeper();
        var path = Path.Combine(RepoPaths.TempRoot, "exec-console-" + Guid.NewGuid().ToString("N")[..8] + ".sock");
        using var console = new ConsoleSocket(path);
        Rt.Exec("exec", "-t", "-d", "--console-socket", path, id, "sh", "-c", "tty; test -t 0 && test -t 1 && echo all-ttys").AssertSuccess();
        console.WaitForMaster(TimeSpan.FromSeconds(10));
        var output = console.ReadOutput(TimeSpan.FromSeconds(10), until: "all-ttys");
        Assert.Contains("/dev/pts/", output);
        Assert.Contains("all-ttys", output);
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void UserAndCapAreSeenInProcSelfStatus()
    {
        var (id, b, _) = StartSleeper();
        var status = Rt.Exec("exec", "--user", "1000:1001", "--additional-gids", "2000", id, "cat", "/proc/self/status").AssertSuccess().Stdout;
        Assert.Contains("Uid:\t1000\t1000\t1000\t1000", status);
        Assert.Contains("Gid:\t1001\t1001\t1001\t1001", status);
        Assert.Matches(@"Groups:\s+2000\s*\n", status);

        const int CapSysAdmin = 21;
        var before = Rt.Exec("exec", id, "cat", "/proc/self/status").AssertSuccess().Stdout;
        Assert.False(HasCap(before, "CapEff", CapSysAdmin));
        var after = Rt.Exec("exec", "--cap", "CAP_SYS_ADMIN", id, "cat", "/proc/self/status").AssertSuccess().Stdout;
        Assert.True(HasCap(after, "CapEff", CapSysAdmin));
        Assert.True(HasCap(after, "CapBnd", CapSysAdmin));
        DeleteAndCheck(id, b);
    }

    private static bool HasCap(string status, string field, int bit)
    {
        var line = status.Split('\n').First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        ulong mask = ulong.Parse(line[(field.Length + 1)..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (mask & (1UL << bit)) != 0;
    }

    [FactUnlessRunc11("the exec'd process keeps the runtime's own CPU affinity")]
    public void AffinityIsResetToTheContainersCpuset()
    {
        if (Environment.ProcessorCount < 2 || !File.Exists("/usr/bin/taskset")) return;
        var (id, b, pid) = StartSleeper();
        var cpus = File.ReadAllText(Path.Combine(HostProc.CgroupDir(pid, "cpuset")!, "cpuset.effective_cpus")).Trim();
        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/taskset") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "0", RepoPaths.RuntimePath, "--root", Rt.Root, "exec", id, "grep", "Cpus_allowed_list", "/proc/self/status" })
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        Assert.Equal($"Cpus_allowed_list:\t{cpus}", output.Trim());
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void NoNewPrivsIsSet()
    {
        var (id, b, _) = StartSleeper();
        var status = Rt.Exec("exec", "--no-new-privs", id, "cat", "/proc/self/status").AssertSuccess().Stdout;
        Assert.Matches(@"NoNewPrivs:\s+1", status);
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void ProcessFileIsUsedAsIs()
    {
        var (id, b, _) = StartSleeper();
        var file = Path.Combine(b.Dir, "process.json");
        File.WriteAllText(file, """{"args":["sh","-c","echo from-file $A; exit 3"],"cwd":"/tmp","env":["PATH=/bin:/usr/bin","A=a"],"user":{"uid":0,"gid":0}}""");
        var r = Rt.Exec("exec", "--process", file, id);
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("from-file a\n", r.Stdout);
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void ExecIntoASubCgroup()
    {
        var (id, b, pid) = StartSleeper();
        var pidsDir = HostProc.CgroupDir(pid, "pids")!;
        var sub = Path.Combine(pidsDir, "sub1");
        Directory.CreateDirectory(sub);
        var cg = Rt.Exec("exec", "--cgroup", "pids:sub1", id, "cat", "/proc/self/cgroup").AssertSuccess().Stdout;
        Assert.Contains(cg.Split('\n'), l => l.Contains(":pids:", StringComparison.Ordinal) && l.EndsWith("/sub1", StringComparison.Ordinal));
        Rt.Exec("exec", "--cgroup", "pids:nosuch", id, "true").AssertFailure(exitCode: 255);
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void ExecIntoAMissingContainerFails()
    {
        var id = NewId();
        Rt.Exec("exec", id, "true").AssertFailure("container does not exist", exitCode: 255);
        AssertNothingLeaked(id);
    }

    [Fact]
    public void ExecIntoAStoppedContainerFails()
    {
        var b = NewBundle("true");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        Rt.WaitForStatus(id, "stopped");
        Rt.Exec("exec", id, "true").AssertFailure("cannot exec in a stopped container", exitCode: 255);
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ExecIntoAPausedContainerFailsWithoutIgnorePaused()
    {
        var (id, b, pid) = StartSleeper();
        Rt.Exec("pause", id).AssertSuccess();
        Rt.Exec("exec", id, "true").AssertFailure("cannot exec in a paused container (use --ignore-paused to override)", exitCode: 255);
        Rt.Exec("resume", id).AssertSuccess();
        Assert.Equal([pid], ContainerPids(id));
        DeleteAndCheck(id, b);
    }

    [Theory]
    [InlineData("/nonexistent/process.json", "no such file or directory")]
    [InlineData("BAD", null)]
    [InlineData("NOCWD", "Cwd property must not be empty")]
    public void ABadProcessFileFails(string file, string? message)
    {
        var (id, b, pid) = StartSleeper();
        if (file == "BAD") File.WriteAllText(file = Path.Combine(b.Dir, "bad.json"), "{bad");
        if (file == "NOCWD") File.WriteAllText(file = Path.Combine(b.Dir, "nocwd.json"), """{"args":["true"]}""");
        Rt.Exec("exec", "-p", file, id).AssertFailure(message, exitCode: 255);
        Assert.Equal([pid], ContainerPids(id));
        DeleteAndCheck(id, b);
    }

    [Fact]
    public void AnUnknownUserFails()
    {
        var (id, b, pid) = StartSleeper();
        Rt.Exec("exec", "-u", "nobody", id, "true").AssertFailure("parsing nobody as int for uid failed", exitCode: 255);
        Rt.Exec("exec", id).AssertFailure("process args cannot be empty", exitCode: 255);
        Rt.Exec("exec", id, "/no/such/binary").AssertFailure("no such file or directory", exitCode: 255);
        Assert.Equal([pid], ContainerPids(id));
        DeleteAndCheck(id, b);
    }
}
