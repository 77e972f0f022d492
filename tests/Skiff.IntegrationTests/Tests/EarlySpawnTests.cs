using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// A plain run, create or exec has `skiff init` spawned by nsexec's constructor as the runtime starts, and create
/// sends it its bootstrap message as soon as the config is loaded (PhaseTraceTests show the path taken). A call
/// that fails after that must take all of it down: the spawned process, and the namespaces' processes nsexec forked.
/// The call runs below a child subreaper (prctl PR_SET_CHILD_SUBREAPER): whatever it started and did not reap
/// itself, running or exited, becomes the reaper's child once the call has exited, and is counted.
/// </summary>
public sealed class EarlySpawnTests : ContainerTest
{
    private const string ReaperC = """
        #define _GNU_SOURCE
        #include <signal.h>
        #include <stdio.h>
        #include <string.h>
        #include <sys/prctl.h>
        #include <sys/wait.h>
        #include <unistd.h>
        /* reaper REPORT PROG ARGS...: runs PROG as a child subreaper; REPORT gets "rc=N" and one line per process
           PROG left behind ("orphan PID COMM"), each waited for (20 s at most in all) and reaped. */
        int main(int argc, char **argv) {
            FILE *r = fopen(argv[1], "w");
            int st;
            pid_t pid, child;
            if (!r || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return 2;
            child = fork();
            if (child == 0) { execv(argv[2], argv + 2); _exit(127); }
            waitpid(child, &st, 0);
            fprintf(r, "rc=%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
            alarm(20);
            siginfo_t si;
            while (memset(&si, 0, sizeof si), waitid(P_ALL, 0, &si, WEXITED | WNOWAIT) == 0 && si.si_pid > 0) {
                char path[64], comm[64] = "?";
                snprintf(path, sizeof path, "/proc/%d/comm", si.si_pid);
                FILE *c = fopen(path, "r");
                if (c) { if (fgets(comm, sizeof comm, c)) comm[strcspn(comm, "\n")] = 0; fclose(c); }
                fprintf(r, "orphan %d %s\n", si.si_pid, comm);
                waitpid(si.si_pid, &st, 0);
            }
            fclose(r);
            return 0;
        }
        """;

    /// <summary>Runs the runtime with <paramref name="args"/> below the reaper: its exit code and what it left.</summary>
    private string _lastStderr = "";

    private (int Rc, List<string> Orphans) Reaped(params string[] args) => ReapedFailingAt(null, args);

    /// <summary><see cref="Reaped"/> with the test knob SKIFF_TEST_FAIL=<paramref name="failAt"/>.</summary>
    private (int Rc, List<string> Orphans) ReapedFailingAt(string? failAt, params string[] args)
    {
        string dir = Path.Combine(RepoPaths.TempRoot, "reaper");
        Directory.CreateDirectory(dir);
        string exe = Path.Combine(dir, "reaper");
        lock (typeof(EarlySpawnTests))
        {
            if (!File.Exists(exe))
            {
                File.WriteAllText(exe + ".c", ReaperC);
                using var gcc = Process.Start("/usr/bin/gcc", ["-static", "-O2", "-o", exe + ".tmp", exe + ".c"])!;
                gcc.WaitForExit();
                Assert.Equal(0, gcc.ExitCode);
                File.Move(exe + ".tmp", exe);
            }
        }
        string report = Path.Combine(dir, Guid.NewGuid().ToString("N"));
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (failAt is not null) psi.Environment["SKIFF_TEST_FAIL"] = failAt;
        foreach (string a in (string[])[report, Rt.Binary, "--root", Rt.Root, .. args]) psi.ArgumentList.Add(a);
        using (var p = Process.Start(psi)!)
        {
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            _lastStderr = err.Result;
            Assert.Equal(0, p.ExitCode);
        }
        string[] lines = File.ReadAllLines(report);
        File.Delete(report);
        return (int.Parse(lines[0]["rc=".Length..]), lines.Skip(1).ToList());
    }

    /// <summary>Processes that have <paramref name="path"/> open as stdin, stdout or stderr.</summary>
    private static List<int> Holders(string path)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            for (int fd = 0; fd < 3; fd++)
            {
                try
                {
                    if (new FileInfo($"{dir}/fd/{fd}").LinkTarget == path)
                    {
                        pids.Add(pid);
                        break;
                    }
                }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
        }
        return pids;
    }

    [SkiffFact] // a skiff test knob (SKIFF_TEST_FAIL=bootstrap) makes one of the failures
    public void FailedCallsLeaveNoProcessBehind()
    {
        // Control: a created container's init holds create's stdout, and the scan finds it.
        var b = NewBundle("sleep", "100");
        string id = NewId();
        var created = Rt.Create(id, b).AssertSuccess();
        Assert.NotEmpty(Holders(created.StdoutPath));

        // Control: a detached run's container process outlives the call: the reaper gets it.
        var sleeper = NewBundle("sleep", "0.2");
        sleeper.Save();
        string sleeperId = NewId();
        var (rc0, left0) = Reaped("run", "-d", "-b", sleeper.Dir, sleeperId);
        Assert.True(rc0 == 0, _lastStderr);
        Assert.Contains(left0, l => l.EndsWith(" sleep"));
        Rt.Exec("delete", "--force", sleeperId).AssertSuccess();

        // The id is taken: create sent init its bootstrap before it found that out (nsexec has made the namespaces
        // and forked init by then, or is about to).
        var dup = Rt.Run(id, NewBundle("true")).AssertFailure("container with given ID already exists");
        Assert.Empty(Holders(dup.StdoutPath));
        var other = NewBundle("true");
        other.Save();
        var (rc1, left1) = Reaped("run", "-b", other.Dir, id);
        Assert.NotEqual(0, rc1);
        Assert.Empty(left1);

        // Made to fail once nsexec has forked init on that early bootstrap and reported it (a test knob): init is
        // killed and reaped along with nsexec's first stage.
        var (rcK, leftK) = ReapedFailingAt("bootstrap", "run", "-b", other.Dir, NewId());
        Assert.NotEqual(0, rcK);
        Assert.Empty(leftK);

        // The config is refused: init was spawned, never sent anything.
        var bad = NewBundle("true").Edit(c => c["process"]!["args"] = new System.Text.Json.Nodes.JsonArray());
        bad.Save();
        var (rc2, left2) = Reaped("run", "-b", bad.Dir, NewId());
        Assert.NotEqual(0, rc2);
        Assert.Empty(left2);

        // An exec into a container that does not exist: its setns init was spawned too.
        var (rc3, left3) = Reaped("exec", "no-such-container-" + id, "true");
        Assert.NotEqual(0, rc3);
        Assert.Empty(left3);

        // No bundle: the call fails before it takes over the init spawned at its start, whose nsexec had forked a
        // speculative init already (nsexec.c, speculate): both are killed and reaped as the call exits.
        // (Three times: the init is forked about as fast as the call fails.)
        for (int i = 0; i < 3; i++)
        {
            var (rc4, left4) = Reaped("run", "-b", Path.Combine(RepoPaths.TempRoot, "no-such-bundle"), NewId());
            Assert.NotEqual(0, rc4);
            Assert.Empty(left4);
        }

        Rt.Exec("delete", "--force", id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    /// <summary>
    /// nsexec forks a speculative init into new mount, UTS, IPC, network and pid namespaces before the bootstrap
    /// message (nsexec.c, speculate). A config that asks for new mount and pid namespaces and no user or time one keeps
    /// it: it is the container's init (which joins or returns to the network, IPC and UTS namespaces the config wants
    /// instead of new ones). Any other has it killed, and the call reaps it and starts the init the config wants.
    /// </summary>
    [SkiffFact]
    public void ASpeculativeInitIsKeptWhenItFitsAndReapedWhenItDoesNot()
    {
        var fits = NewBundle("true");
        fits.Save();
        var (rc1, left1) = Reaped("--debug", "run", "-b", fits.Dir, NewId());
        Assert.True(rc1 == 0, _lastStderr);
        Assert.Empty(left1);
        Assert.Matches(@"speculative init \d+ kept", _lastStderr);

        // the host's pid namespace, which a process forked into a new one cannot have (NamespaceTests check the
        // namespaces a kept speculative init joins or leaves the host's: network, IPC, UTS)
        var misfit = NewBundle("true").RemoveNamespace("pid");
        misfit.Save();
        string id = NewId();
        var (rc2, left2) = Reaped("--debug", "run", "-b", misfit.Dir, id);
        Assert.True(rc2 == 0, _lastStderr);
        Assert.Empty(left2);
        Assert.Matches(@"speculative init \d+ does not fit: killed", _lastStderr);
        Assert.DoesNotContain(" kept", _lastStderr);
    }
    /// <summary>
    /// An early-spawned exec's nsexec reads the container's init pid from state.json and forks the process into that
    /// init's namespaces before its bootstrap message (nsexec.c, speculate_setns). The message keeps it when it names
    /// exactly those namespaces; the process then joins the cgroups late, with the pids limit checked as a fork inside
    /// them would have met it. A container that joined another's network namespace by path has the exec join that
    /// path: the speculative process is killed and reaped and the exec made as without speculation; a container with
    /// a user namespace of its own gets no speculation at all.
    /// </summary>
    [SkiffFact]
    public void ASpeculativeExecProcessIsKeptWhenItFitsAndReapedWhenItDoesNot()
    {
        const string Probe = "for n in ipc uts net pid mnt cgroup; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup";
        var a = NewBundle("sleep", "100");
        string idA = NewId();
        Rt.CreateAndStart(idA, a).AssertSuccess();
        int pidA = Rt.State(idA)["pid"]!.GetValue<int>();

        // kept: the process is in every namespace and cgroup of init (the container's pid 1, from inside)
        var kept = Rt.Exec("--debug", "exec", idA, "sh", "-c", Probe + "; echo ---; " + Probe.Replace("self", "1")).AssertSuccess();
        Assert.Matches(@"speculative exec init \d+ in the namespaces of " + pidA, kept.Stderr);
        Assert.Matches(@"speculative init \d+ kept", kept.Stderr);
        string[] halves = kept.Stdout.Split("---\n");
        Assert.Equal(2, halves.Length);
        Assert.Equal(halves[1].Trim(), halves[0].Trim());
        Assert.Contains("/" + idA, halves[0]); // the container's cgroup, not the caller's
        Assert.NotEqual(File.ReadAllText("/proc/self/cgroup").Trim(), halves[0][halves[0].IndexOf(':')..].Trim());
        var (rc1, left1) = Reaped("--debug", "exec", idA, "true");
        Assert.True(rc1 == 0, _lastStderr);
        Assert.Empty(left1);
        Assert.Matches(@"speculative init \d+ kept", _lastStderr);

        // does not fit: the bootstrap names A's network namespace, the speculation joined B's own (init's) one
        var b = NewBundle("sleep", "100").AddNamespace("network", $"/proc/{pidA}/ns/net");
        string idB = NewId();
        Rt.CreateAndStart(idB, b).AssertSuccess();
        string netA = Rt.Exec("exec", idA, "readlink", "/proc/self/ns/net").AssertSuccess().Stdout.Trim();
        var misfit = Rt.Exec("--debug", "exec", idB, "readlink", "/proc/self/ns/net").AssertSuccess();
        Assert.Matches(@"speculative init \d+ does not fit: killed", misfit.Stderr);
        Assert.Equal(netA, misfit.Stdout.Trim());
        var (rc2, left2) = Reaped("--debug", "exec", idB, "true");
        Assert.True(rc2 == 0, _lastStderr);
        Assert.Empty(left2);
        Assert.Matches(@"speculative init \d+ does not fit: killed", _lastStderr);

        // the pids limit: one task allowed, init has it; the process moved in late makes the exec fail (as runc's fork
        // inside the cgroup fails), and nothing is left behind
        var p = NewBundle("sleep", "100").Pids(1);
        string idP = NewId();
        Rt.CreateAndStart(idP, p).AssertSuccess();
        if (Directory.Exists("/sys/fs/cgroup/pids"))
        {
            var (rc3, left3) = Reaped("--debug", "exec", idP, "true");
            Assert.NotEqual(0, rc3);
            Assert.Empty(left3);
            Assert.Matches(@"speculative init \d+ kept", _lastStderr);
            Assert.Contains("pids.max", _lastStderr);
        }

        // killed before nsexec releases it (a delete racing the exec kills it with the container's pid namespace; a
        // test knob kills it as soon as it is reported): the exec fails and says so, and nothing is left
        var (rcG, leftG) = ReapedFailingAt("speculative-exec-gone", "exec", idA, "true");
        Assert.NotEqual(0, rcG);
        Assert.Empty(leftG);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(_lastStderr, @"failed to release the speculative init \d+: broken pipe"), _lastStderr);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(_lastStderr, "level=error"));

        // a user namespace of its own: no speculation, the exec works as before
        var u = UserNamespaceTests.WithUserNs(NewBundle("sleep", "100"));
        string idU = NewId();
        Rt.CreateAndStart(idU, u).AssertSuccess();
        var userns = Rt.Exec("--debug", "exec", idU, "true").AssertSuccess();
        Assert.Contains("no speculative init", userns.Stderr);
        Assert.DoesNotContain("speculative exec init", userns.Stderr);

        foreach (var (id, bundle) in new[] { (idB, b), (idA, a), (idP, p), (idU, u) })
        {
            Rt.Exec("delete", "--force", id).AssertSuccess();
            AssertNothingLeaked(id, bundle);
        }
    }
}
