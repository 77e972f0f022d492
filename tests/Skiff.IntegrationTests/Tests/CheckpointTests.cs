using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// checkpoint and restore with criu (runc's checkpoint.bats): real busybox containers dumped and restored, checked
/// from the host (the process, its cgroup, namespaces, mounts, sockets) and by what the restored process does next.
/// </summary>
public sealed class CheckpointTests : ContainerTest
{
    /// <summary>Prints 0, 1, 2... on stdout, one every 0.1 s.</summary>
    private const string Counter = "i=0; while true; do echo $i; i=$((i+1)); sleep 0.1; done";

    private readonly List<PipedRuntime> _piped = [];
    private readonly List<Process> _daemons = [];

    [CriuFact]
    public void ACounterContinuesWhereItStoppedAfterRestore()
    {
        var b = ShellBundle(Counter);
        var id = NewId();
        var run = Piped("run", "-d", "-b", b.Save().Dir, id);
        Assert.Equal(0, run.WaitExit());
        int oldPid = Pid(id);
        int before = run.WaitForNumberAtLeast(5);

        var images = ImageDir("img");
        Rt.Exec("checkpoint", "--image-path", images, id).AssertSuccess();
        // criu killed the tree and the container is gone (runc destroys it after a dump)
        Assert.False(HostProc.IsAlive(oldPid));
        Rt.StateRaw(id).AssertFailure("does not exist");
        int last = run.LastNumber();
        Assert.True(last >= before);
        Assert.True(File.Exists(Path.Combine(images, "inventory.img")));
        Assert.True(File.Exists(Path.Combine(images, "descriptors.json")));
        WaitGone(oldPid);

        var restore = Piped("restore", "-d", "--image-path", images, "-b", b.Save().Dir, id);
        Assert.Equal(0, restore.WaitExit());
        Assert.Equal("running", Rt.Status(id));
        int pid = Pid(id);
        Assert.True(HostProc.IsAlive(pid));
        Assert.Contains(id, HostProc.Cgroup(pid));
        // the restored shell writes to the restore's stdout (criu's inherit_fd from descriptors.json) and goes on
        // counting from where it was, not from 0
        int next = restore.NextNumber();
        Assert.InRange(next, last + 1, last + 100);
        Assert.Equal(next + 1, restore.NextNumber());

        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void LeaveRunningKeepsTheContainerAndItsImagesRestoreElsewhere()
    {
        var (b, id, run, pid) = StartCounter(atLeast: 3);

        var images = ImageDir("img");
        Rt.Exec("checkpoint", "--leave-running", "--image-path", images, id).AssertSuccess();
        Assert.Equal("running", Rt.Status(id));
        Assert.Equal(pid, Pid(id));
        int after = run.NextNumber();
        Assert.Equal(after + 1, run.NextNumber()); // still counting, in the same process
        Assert.True(File.Exists(Path.Combine(images, "inventory.img")));

        // the images restore as a second container while the first one keeps running
        var id2 = NewId("copy");
        var restore = Piped("restore", "-d", "--image-path", images, "-b", b.Save().Dir, id2);
        Assert.Equal(0, restore.WaitExit());
        int pid2 = Pid(id2);
        Assert.NotEqual(pid, pid2);
        Assert.NotEqual(HostProc.Namespace(pid, "pid"), HostProc.Namespace(pid2, "pid"));
        int copied = restore.NextNumber();
        Assert.InRange(copied, 0, after + 100);
        Assert.True(HostProc.IsAlive(pid));

        Rt.Delete(id2, force: true).AssertSuccess();
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id2, b);
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void APreDumpIsTheParentOfTheFinalDumpWhereTheKernelTracksDirtyMemory()
    {
        var (b, id, run, pid) = StartCounter(atLeast: 3);

        var root = ImageDir("migration");
        var parent = Path.Combine(root, "parent");
        if (!CriuFeature("mem_dirty_track"))
        {
            // this kernel has no soft-dirty tracking: a pre-dump cannot work, and says so
            Rt.Exec("checkpoint", "--pre-dump", "--image-path", parent, id).AssertFailure("missing features");
            Assert.Equal("running", Rt.Status(id));
            Assert.Equal(pid, Pid(id));
            int n = run.NextNumber();
            Assert.Equal(n + 1, run.NextNumber());
            Rt.Delete(id, force: true).AssertSuccess();
            AssertNothingLeaked(id, b);
            return;
        }
        Rt.Exec("checkpoint", "--pre-dump", "--image-path", parent, id).AssertSuccess();
        Assert.Equal("running", Rt.Status(id)); // a pre-dump leaves the container running
        Assert.Equal(pid, Pid(id));
        Assert.True(Directory.EnumerateFiles(parent, "pages-*.img").Any());
        run.NextNumber();

        var final = Path.Combine(root, "final");
        Rt.Exec("checkpoint", "--image-path", final, "--parent-path", "../parent", id).AssertSuccess();
        Rt.StateRaw(id).AssertFailure("does not exist");
        // criu links the final images to the pre-dump's pages
        var link = new FileInfo(Path.Combine(final, "parent"));
        Assert.Equal("../parent", link.LinkTarget);
        int last = run.LastNumber();
        WaitGone(pid);

        var restore = Piped("restore", "-d", "--image-path", final, "-b", b.Save().Dir, id);
        Assert.Equal(0, restore.WaitExit());
        Assert.InRange(restore.NextNumber(), last + 1, last + 100);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void AForegroundRestoreWaitsForTheProcessAndDeletesTheContainer()
    {
        var (b, id, run, oldPid) = StartCounter(atLeast: 3);
        var (images, last) = CheckpointCounter(id, run, oldPid);

        var restore = Piped("restore", "--image-path", images, "-b", b.Save().Dir, id);
        Assert.InRange(restore.NextNumber(), last + 1, last + 100);
        Assert.Equal("running", Rt.Status(id));
        int pid = Pid(id);
        Rt.Kill(id, "KILL").AssertSuccess();
        // restore returns the container's exit status and removes the container, as run does
        Assert.Equal(137, restore.WaitExit());
        Assert.False(HostProc.IsAlive(pid));
        Rt.StateRaw(id).AssertFailure("does not exist");
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void PrestartAndCreateRuntimeHooksRunOnRestoreWithTheRestoredPid()
    {
        var log = Path.Combine(RepoPaths.TempRoot, "criu-hooks-" + Guid.NewGuid().ToString("N")[..8]);
        var b = ShellBundle("exec </dev/null >/dev/null 2>&1; sleep 1000")
            .AddHook("prestart", "/bin/sh", ["sh", "-c", $"(echo prestart; cat; echo) >> {log}"])
            .AddHook("createRuntime", "/bin/sh", ["sh", "-c", $"(echo createRuntime; cat; echo) >> {log}"]);
        var id = NewId();
        Rt.Exec("run", "-d", "-b", b.Save().Dir, id).AssertSuccess();
        int oldPid = Pid(id);
        Rt.Exec("checkpoint", "--image-path", ImageDir("img"), id).AssertSuccess();
        WaitGone(oldPid);
        File.Delete(log);

        Rt.Exec("restore", "-d", "--image-path", ImageDir("img"), "-b", b.Save().Dir, id).AssertSuccess();
        int pid = Pid(id);
        var lines = File.ReadAllLines(log).Where(l => l.Length > 0).ToList();
        Assert.Equal(new[] { "prestart", "createRuntime" }, lines.Where(l => !l.StartsWith('{')).ToList());
        foreach (var json in lines.Where(l => l.StartsWith('{')))
        {
            var state = System.Text.Json.Nodes.JsonNode.Parse(json)!;
            Assert.Equal(id, state["id"]!.GetValue<string>());
            Assert.Equal(pid, state["pid"]!.GetValue<int>());
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
        File.Delete(log);
    }

    [CriuFact]
    public void AParentPathMustBeRelativeAndExist()
    {
        var b = ShellBundle("sleep 100");
        var id = NewId();
        Rt.Exec("run", "-d", "-b", b.Save().Dir, id).AssertSuccess();
        var images = ImageDir("img");
        Rt.Exec("checkpoint", "--image-path", images, "--parent-path", "/abs", id).AssertFailure("--parent-path must be relative");
        Rt.Exec("checkpoint", "--image-path", images, "--parent-path", "missing", id)
            .AssertFailure("invalid --parent-path: stat " + Path.Combine(images, "missing") + ": no such file or directory");
        Assert.Equal("running", Rt.Status(id));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void ATerminalContainerIsRestoredThroughTheConsoleSocket()
    {
        var b = ShellBundle("i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.1; done").Terminal(true);
        var id = NewId();
        string output;
        int pid0;
        using (var console = new ConsoleSocket(SocketPath()))
        {
            Rt.Exec("run", "-d", "--console-socket", console.Path, "-b", b.Save().Dir, id).AssertSuccess();
            pid0 = Pid(id);
            console.WaitForMaster(TimeSpan.FromSeconds(10));
            output = console.ReadOutput(TimeSpan.FromSeconds(20), until: "tick-5\r\n");
            Assert.Contains("tick-5", output);
            Rt.Exec("checkpoint", "--image-path", ImageDir("img"), id).AssertSuccess();
        }
        WaitGone(pid0);

        using var console2 = new ConsoleSocket(SocketPath());
        Rt.Exec("restore", "-d", "--console-socket", console2.Path, "--image-path", ImageDir("img"), "-b", b.Save().Dir, id).AssertSuccess();
        // criu's orphan-pts-master: a new master for the restored pty, passed on through the socket
        Assert.True(console2.WaitForMaster(TimeSpan.FromSeconds(10)) >= 0);
        var more = console2.ReadOutput(TimeSpan.FromSeconds(20), until: "\r\n");
        more += console2.ReadOutput(TimeSpan.FromSeconds(20), until: "\r\n");
        var ticks = more.Split("\r\n").Where(l => l.StartsWith("tick-", StringComparison.Ordinal))
            .Select(l => int.Parse(l[5..], CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(ticks);
        Assert.True(ticks[0] > 5, $"counting went on from tick-5, got: {more}");
        int pid = Pid(id);
        Assert.StartsWith("/dev/pts/", new FileInfo($"/proc/{pid}/fd/1").LinkTarget);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void ABindMountIsBoundAgainOnRestore()
    {
        var data = Directory.CreateDirectory(Path.Combine(RepoPaths.TempRoot, "criu-bind-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var b = ShellBundle("exec </dev/null >/dev/null 2>&1; i=0; while true; do echo $i > /data/n.tmp; mv /data/n.tmp /data/n; i=$((i+1)); sleep 0.1; done")
            .AddMount("/data", "bind", data, "rbind", "rw");
        var id = NewId();
        Rt.Exec("run", "-d", "-b", b.Save().Dir, id).AssertSuccess();
        int oldPid = Pid(id);
        int before = WaitForFileNumber(Path.Combine(data, "n"), 3);
        Rt.Exec("checkpoint", "--image-path", ImageDir("img"), id).AssertSuccess();
        int last = ReadNumber(Path.Combine(data, "n"));
        Assert.True(last >= before);
        WaitGone(oldPid);

        Rt.Exec("restore", "-d", "--image-path", ImageDir("img"), "-b", b.Save().Dir, id).AssertSuccess();
        int pid = Pid(id);
        // the restored process sees the host directory at /data again and goes on writing into it
        var mountinfo = File.ReadAllText($"/proc/{pid}/mountinfo");
        Assert.Contains(" /data ", mountinfo);
        int next = WaitForFileNumber(Path.Combine(data, "n"), last + 1);
        Assert.InRange(next, last + 1, last + 200);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
        Directory.Delete(data, true);
    }

    [CriuFact]
    public void AListeningSocketInTheNetworkNamespaceIsRestored()
    {
        var b = ShellBundle("exec </dev/null >/dev/null 2>&1; nc -ll -p 5555 -e cat");
        Assert.True(b.HasNamespace("network"));
        var id = NewId();
        Rt.Exec("run", "-d", "-b", b.Save().Dir, id).AssertSuccess();
        int oldPid = Pid(id);
        WaitListening(oldPid, 5555);
        Rt.Exec("checkpoint", "--tcp-established", "--image-path", ImageDir("img"), id).AssertSuccess();
        WaitGone(oldPid);

        Rt.Exec("restore", "-d", "--tcp-established", "--image-path", ImageDir("img"), "-b", b.Save().Dir, id).AssertSuccess();
        int pid = Pid(id);
        Assert.NotEqual(HostProc.Namespace(1, "net"), HostProc.Namespace(pid, "net"));
        // the restored nc holds the listening socket of the container's own network namespace
        string inode = ListeningInode(pid, 5555) ?? throw new Xunit.Sdk.XunitException("no socket listening on 5555 after restore");
        var fds = Directory.GetFiles($"/proc/{pid}/fd").Select(f => new FileInfo(f).LinkTarget);
        Assert.Contains($"socket:[{inode}]", fds);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void RestoreWithoutImagesFailsAndLeavesNothing()
    {
        var b = ShellBundle(Counter);
        var id = NewId();
        var missing = Path.Combine(RepoPaths.TempRoot, "no-such-images-" + Guid.NewGuid().ToString("N")[..8]);
        var r = Rt.Exec("restore", "-d", "--image-path", missing, "-b", b.Save().Dir, id).AssertFailure(missing);
        Assert.Contains("no such file or directory", r.Stderr);
        Rt.StateRaw(id).AssertFailure("does not exist");
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void RestoreOntoAnIdInUseFailsAndLeavesTheContainerAlone()
    {
        var b = ShellBundle(Counter);
        var id = NewId();
        var run = Piped("run", "-d", "-b", b.Save().Dir, id);
        Assert.Equal(0, run.WaitExit());
        run.WaitForNumberAtLeast(2);
        var images = ImageDir("img");
        Rt.Exec("checkpoint", "--leave-running", "--image-path", images, id).AssertSuccess();
        int pid = Pid(id);

        Rt.Exec("restore", "-d", "--image-path", images, "-b", b.Save().Dir, id).AssertFailure("container with given ID already exists");
        // the running container is untouched: same process, still counting, its state and cgroup in place
        AssertStillCounting(id, pid, run);
        Assert.Contains(id, HostProc.Cgroup(pid));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void AUserNamespaceContainerIsRestoredWhenItsRootCanSearchTheImages()
    {
        var (b, id, run, oldPid) = StartCounter(UserNamespaceTests.WithUserNs(ShellBundle(Counter)), 3);
        var (images, last) = CheckpointCounter(id, run, oldPid);

        // criu reads the images inside the restored user namespace, as the container's root (host gid 200000 here):
        // its group may search the directory, nobody else
        BusyboxRootfs.Run("/bin/chgrp", UserNamespaceTests.HostGid.ToString(CultureInfo.InvariantCulture), images);
        BusyboxRootfs.Run("/bin/chmod", "0710", images);
        var restore = Piped("restore", "-d", "--image-path", images, "-b", b.Save().Dir, id);
        Assert.Equal(0, restore.WaitExit());
        int pid = Pid(id);
        int next = restore.NextNumber();
        Assert.InRange(next, last + 1, last + 100);
        Assert.Equal(next + 1, restore.NextNumber());
        // a user namespace again, with the same maps: the restored shell is the container's root, host uid 100000
        Assert.NotEqual(HostProc.Namespace(Environment.ProcessId, "user"), HostProc.Namespace(pid, "user"));
        Assert.Equal(["100000", "100000", "100000", "100000"], UserNamespaceTests.StatusIds(pid, "Uid"));
        Assert.Equal(["200000", "200000", "200000", "200000"], UserNamespaceTests.StatusIds(pid, "Gid"));
        Assert.Equal("0 100000 65536", string.Join(' ', File.ReadAllText($"/proc/{pid}/uid_map").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));

        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact(runc11Deviation: "runc 1.1 lets criu fail half-way (\"Unable to open tty-info.img: Permission denied\" in restore.log)")]
    public void AUserNamespaceRestoreFromImagesItsRootCannotSearchFailsUpFront()
    {
        var (b, id, run, oldPid) = StartCounter(UserNamespaceTests.WithUserNs(ShellBundle(Counter)), 2);
        var images = ImageDir("img");
        Rt.Exec("checkpoint", "--image-path", images, id).AssertSuccess();
        Assert.True(File.Exists(Path.Combine(images, "inventory.img")));
        WaitGone(oldPid);

        // checkpoint makes the images directory 0700 (root only), as runc does
        var restore = Piped("restore", "-d", "--image-path", images, "-b", b.Save().Dir, id);
        Assert.NotEqual(0, restore.WaitExit());
        Assert.Contains($"the images directory {images} (mode 0700, owner 0:0) cannot be searched by the container's root (host uid 100000, gid 200000)", restore.Stderr);
        // refused before criu ran
        Assert.False(File.Exists(Path.Combine(images, "restore.log")));
        Rt.StateRaw(id).AssertFailure("does not exist");
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void ALazyRestoreTakesItsPagesFromTheLazyPagesDaemonAndTheCounterContinues()
    {
        var (b, id, run, oldPid) = StartCounter(atLeast: 5);
        var (images, last) = CheckpointCounter(id, run, oldPid);

        // criu's lazy-pages daemon hands the dumped pages to the restored tree through userfaultfd, on demand
        var daemon = LazyPagesDaemon(images);
        var restore = Piped("restore", "-d", "--lazy-pages", "--image-path", images, "-b", b.Save().Dir, id);
        Assert.Equal(0, restore.WaitExit());
        Assert.Equal("running", Rt.Status(id));
        int next = restore.NextNumber();
        Assert.InRange(next, last + 1, last + 100);
        Assert.Equal(next + 1, restore.NextNumber());
        // the restore left the pages to the daemon, which copied them in (UFFDIO_COPY) and exits once all are in
        Assert.Contains("Lazy restore skips", File.ReadAllText(Path.Combine(images, "restore.log")));
        Assert.True(daemon.WaitForExit(60_000), "the lazy-pages daemon did not finish");
        Assert.Equal(0, daemon.ExitCode);
        Assert.Contains("uffd_copy", File.ReadAllText(Path.Combine(images, "lazy-pages.log")));
        Assert.Equal(next + 2, restore.NextNumber());

        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void ALazyMigrationMovesTheCounterPageByPageThroughThePageServer()
    {
        var (b, id, run, oldPid) = StartCounter(atLeast: 3);
        var images = ImageDir("img");
        var work = ImageDir("work");
        int port = FreePort();
        var (checkpoint, cptErr) = StartLazyCheckpoint(id, images, work, port);
        Assert.True(File.Exists(Path.Combine(images, "inventory.img")));
        // the tree is frozen, not gone: it lives until its last page has moved
        Assert.True(HostProc.IsAlive(oldPid));

        var daemon = LazyPagesDaemon(images, "--page-server", "--address", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture));
        var restore = Piped("restore", "-d", "--lazy-pages", "--image-path", images, "-b", b.Save().Dir, NewId("moved"));
        Assert.Equal(0, restore.WaitExit());
        Assert.True(checkpoint.WaitForExit(60_000), "the checkpoint did not finish");
        Assert.True(checkpoint.ExitCode == 0, cptErr.Result);
        Assert.True(daemon.WaitForExit(60_000), "the lazy-pages daemon did not finish");
        Assert.Equal(0, daemon.ExitCode);
        int last = run.LastNumber();
        int next = restore.NextNumber();
        Assert.InRange(next, last + 1, last + 100);
        Assert.Equal(next + 1, restore.NextNumber());
        // the pages came over the network, on demand: the checkpointed container is gone
        Assert.Contains("uffd_copy", File.ReadAllText(Path.Combine(images, "lazy-pages.log")));
        Rt.StateRaw(id).AssertFailure("does not exist");
        WaitGone(oldPid);

        var moved = restore.Args[^1];
        Rt.Delete(moved, force: true).AssertSuccess();
        AssertNothingLeaked(moved, b);
        AssertNothingLeaked(id, b);
    }

    [CriuFact(runc11Deviation: "runc 1.1 dies on SIGTERM and leaves criu waiting for a lazy-pages daemon, the container stopped")]
    public void ALazyCheckpointNobodyFetchesStopsOnSigtermAndTheContainerRunsOn()
    {
        var (b, id, run, pid) = StartCounter(atLeast: 2);
        var work = ImageDir("work");
        var (checkpoint, cptErr) = StartLazyCheckpoint(id, ImageDir("img"), work, FreePort());
        Assert.Single(CriuWorkingIn(work));
        // criu holds the tree (ptrace-stopped) while it waits for a lazy-pages daemon that never comes
        Assert.Equal('t', HostProc.State(pid));

        Native.Kill(checkpoint.Id, 15);
        Assert.True(checkpoint.WaitForExit(60_000), "the checkpoint did not stop on SIGTERM");
        Assert.NotEqual(0, checkpoint.ExitCode);
        Assert.Contains("criu failed: signal: terminated", cptErr.Result);
        // criu is gone and has let go of the container, which goes on counting in the same process
        Assert.Empty(CriuWorkingIn(work));
        AssertStillCounting(id, pid, run);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact(runc11Deviation: "runc 1.1 waits forever on criu when the lazy-pages daemon goes away")]
    public void ARestoreWhoseLazyPagesDaemonGoesAwayFailsAndLeavesNothing()
    {
        var (b, id, run, oldPid) = StartCounter(atLeast: 2);
        var images = ImageDir("img");
        Rt.Exec("checkpoint", "--image-path", images, id).AssertSuccess();
        WaitGone(oldPid);

        // the daemon takes the restore's userfaultfds, then cannot reach its page server (nobody listens) and exits:
        // criu kills the restored tree, and criu 4.2 would then wait for it forever
        var daemon = LazyPagesDaemon(images, "--page-server", "--address", "127.0.0.1", "--port", FreePort().ToString(CultureInfo.InvariantCulture));
        var restore = Piped("restore", "-d", "--lazy-pages", "--image-path", images, "-b", b.Save().Dir, id);
        Assert.NotEqual(0, restore.WaitExit());
        Assert.Contains("died before criu finished the restore (did the lazy-pages daemon go away?)", restore.Stderr);
        Assert.True(daemon.WaitForExit(60_000), "the lazy-pages daemon did not exit");
        Assert.NotEqual(0, daemon.ExitCode);
        Assert.Contains("Killing processes because of failure on restore", File.ReadAllText(Path.Combine(images, "restore.log")));

        // no state, cgroup, restored process or criu (criu runs in the container's cgroup), and no mount under the
        // images directory (the cgroup yard a killed criu leaves in its work directory)
        Rt.StateRaw(id).AssertFailure("does not exist");
        AssertNothingLeaked(id, b);
        Leaks.AssertNothingLeaked(Rt.Root, id, Rt.TrackedPids, [images]);
    }

    [CriuLazyServerFact(serves: false, runc11Deviation: "runc 1.1 lets criu start a page server that announces ready and fails on the first page asked for")]
    public void ALazyCheckpointCriuCannotServeIsRefusedAndTheContainerRunsOn()
    {
        var (b, id, run, pid) = StartCounter(atLeast: 2);
        var images = ImageDir("img");

        var r = Rt.Exec("checkpoint", "--lazy-pages", "--page-server", "127.0.0.1:" + FreePort().ToString(CultureInfo.InvariantCulture),
            "--image-path", images, id).AssertFailure("criu cannot serve lazy pages here");
        Assert.Contains($"needs a pipe of {CriuLazyServerFactAttribute.PipeBytes} bytes", r.Stderr);
        Assert.Contains("fcntl: operation not permitted", r.Stderr);
        // refused before criu ran: nothing dumped, the container untouched and still counting in the same process
        Assert.False(File.Exists(Path.Combine(images, "inventory.img")));
        AssertStillCounting(id, pid, run);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [CriuFact]
    public void CheckpointOfACreatedContainerIsRefused()
    {
        var b = ShellBundle("true");
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        Rt.Exec("checkpoint", "--image-path", ImageDir("img"), id).AssertFailure("Container cannot be checkpointed in created state");
        Assert.Equal("created", Rt.Status(id));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private string ImageDir(string name) => Path.Combine(RepoPaths.TempRoot, "criu-" + GetHashCode().ToString("x", CultureInfo.InvariantCulture), name);

    private static string SocketPath() => Path.Combine(RepoPaths.TempRoot, "console-" + Guid.NewGuid().ToString("N")[..8] + ".sock");

    /// <summary>`criu check --feature NAME` succeeds: the kernel and criu support it here.</summary>
    private static bool CriuFeature(string name)
    {
        var psi = new ProcessStartInfo("criu") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "check", "--feature", name }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        err.Wait();
        return p.ExitCode == 0;
    }

    /// <summary>A detached container printing <see cref="Counter"/> (bundle <paramref name="b"/>, else a busybox one),
    /// once it has printed <paramref name="atLeast"/>; its pid.</summary>
    private (Bundle B, string Id, PipedRuntime Run, int Pid) StartCounter(Bundle? b = null, int atLeast = 2)
    {
        b ??= ShellBundle(Counter);
        var id = NewId();
        var run = Piped("run", "-d", "-b", b.Save().Dir, id);
        Assert.Equal(0, run.WaitExit());
        int pid = Pid(id);
        run.WaitForNumberAtLeast(atLeast);
        return (b, id, run, pid);
    }

    /// <summary>The container is running in the same process, which goes on counting.</summary>
    private void AssertStillCounting(string id, int pid, PipedRuntime run)
    {
        Assert.Equal("running", Rt.Status(id));
        Assert.Equal(pid, Pid(id));
        int n = run.NextNumber();
        Assert.Equal(n + 1, run.NextNumber());
    }

    /// <summary>Checkpoints the counter into a new images directory (criu kills it); the directory and the last
    /// number printed, once the old process is gone.</summary>
    private (string Images, int Last) CheckpointCounter(string id, PipedRuntime run, int pid)
    {
        var images = ImageDir("img");
        Rt.Exec("checkpoint", "--image-path", images, id).AssertSuccess();
        int last = run.LastNumber();
        WaitGone(pid);
        return (images, last);
    }

    /// <summary>
    /// `criu lazy-pages` serving <paramref name="images"/> (its log: lazy-pages.log there), started and ready: its
    /// socket, lazy-pages.socket in the images directory, exists. Killed at the end of the test if still there.
    /// </summary>
    private Process LazyPagesDaemon(string images, params string[] extra)
    {
        var psi = new ProcessStartInfo("criu") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "lazy-pages", "-D", images, "-o", "lazy-pages.log", "-v4" }.Concat(extra)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _daemons.Add(p);
        p.StandardOutput.ReadToEndAsync();
        p.StandardError.ReadToEndAsync();
        var socket = Path.Combine(images, "lazy-pages.socket");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(socket))
        {
            if (p.HasExited) throw new Xunit.Sdk.XunitException($"criu lazy-pages exited {p.ExitCode} before it listened");
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"criu lazy-pages never created {socket}");
            Thread.Sleep(50);
        }
        return p;
    }

    /// <summary>
    /// `checkpoint --lazy-pages --page-server 127.0.0.1:PORT --status-fd 3` of a running container, returned once it
    /// has written \0 to the status fd (a fifo the runtime gets as fd 3): criu has dumped the tree and serves its
    /// pages. Where a pipe cannot grow to criu's 819 pages, criu's server would fail on the first page: the shim
    /// clamps its F_SETPIPE_SZ (see criu-pipe-clamp.c). Its stderr comes in full once it has exited.
    /// </summary>
    private (Process Checkpoint, Task<string> Stderr) StartLazyCheckpoint(string id, string images, string work, int port)
    {
        var fifo = Path.Combine(RepoPaths.TempRoot, "status-" + Guid.NewGuid().ToString("N")[..8]);
        BusyboxRootfs.Run("/usr/bin/mkfifo", fifo);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-c", "exec \"$0\" \"$@\" 3>\"$STATUS_FIFO\"", RepoPaths.RuntimePath, "--root", Rt.Root,
            "checkpoint", "--lazy-pages", "--page-server", "127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            "--status-fd", "3", "--work-path", work, "--image-path", images, id })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["STATUS_FIFO"] = fifo;
        psi.Environment["LD_PRELOAD"] = PipeClampShim(); // inherited by criu; the static skiff ignores it
        psi.Environment["SKIFF_TEST_CRIU_PIPE_CLAMPED"] = "1"; // so skiff's own pipe probe must not refuse
        var checkpoint = Process.Start(psi)!;
        _daemons.Add(checkpoint);
        checkpoint.StandardOutput.ReadToEndAsync();
        var stderr = checkpoint.StandardError.ReadToEndAsync();
        var ready = Task.Run(() =>
        {
            using var f = File.OpenRead(fifo);
            return f.ReadByte();
        });
        if (!ready.Wait(60_000)) throw new Xunit.Sdk.XunitException("no status from the checkpoint");
        if (ready.Result != 0)
        {
            checkpoint.WaitForExit(60_000);
            throw new Xunit.Sdk.XunitException($"the status fd gave {ready.Result}, not 0: {stderr.Result}");
        }
        return (checkpoint, stderr);
    }

    /// <summary>The pids of criu processes whose working directory is <paramref name="dir"/> (criu works in its work dir).</summary>
    private static List<int> CriuWorkingIn(string dir)
    {
        var pids = new List<int>();
        foreach (var p in Process.GetProcessesByName("criu"))
        {
            string? cwd = null;
            try
            {
                cwd = new DirectoryInfo($"/proc/{p.Id}/cwd").LinkTarget;
            }
            catch (IOException)
            {
            }
            if (cwd == dir) pids.Add(p.Id);
            p.Dispose();
        }
        return pids;
    }

    /// <summary>criu-pipe-clamp.c built (once per run) into the scratch space; its path.</summary>
    private static string PipeClampShim()
    {
        lock (s_shimLock)
        {
            var so = Path.Combine(RepoPaths.TempRoot, "criu-pipe-clamp.so");
            if (!File.Exists(so))
            {
                var src = Path.Combine(RepoPaths.RepoRoot, "tests", "Skiff.IntegrationTests", "Harness", "criu-pipe-clamp.c");
                BusyboxRootfs.Run("/usr/bin/cc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", so, src, "-ldl");
            }
            return so;
        }
    }

    private static readonly object s_shimLock = new();

    /// <summary>A TCP port on 127.0.0.1 nobody listens on (taken from the kernel, then released).</summary>
    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        int port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private int Pid(string id) => Rt.State(id)["pid"]!.GetValue<int>();

    /// <summary>The dumped process must be gone before its pid can be taken again; PID 1 here reaps slowly.</summary>
    private static void WaitGone(int pid)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (File.Exists($"/proc/{pid}/stat") && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }
    }

    private static int ReadNumber(string file)
    {
        while (true)
        {
            try
            {
                return int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception ex) when (ex is IOException or FormatException)
            {
                Thread.Sleep(20);
            }
        }
    }

    private static int WaitForFileNumber(string file, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            int n = File.Exists(file) ? ReadNumber(file) : -1;
            if (n >= atLeast) return n;
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"{file} never reached {atLeast} (last {n})");
            Thread.Sleep(50);
        }
    }

    /// <summary>The inode of a TCP socket listening on <paramref name="port"/> in the network namespace of pid.</summary>
    private static string? ListeningInode(int pid, int port)
    {
        string hexPort = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var file in new[] { $"/proc/{pid}/net/tcp", $"/proc/{pid}/net/tcp6" })
        {
            foreach (var line in File.ReadAllLines(file).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[1].EndsWith(hexPort, StringComparison.Ordinal) && f[3] == "0A") return f[9];
            }
        }
        return null;
    }

    private static void WaitListening(int pid, int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (ListeningInode(pid, port) is null)
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException($"nothing listens on {port}");
            Thread.Sleep(50);
        }
    }

    private PipedRuntime Piped(params string[] args)
    {
        var p = new PipedRuntime(Rt.Root, args);
        _piped.Add(p);
        return p;
    }

    public override void Dispose()
    {
        foreach (var d in _daemons)
        {
            if (!d.HasExited) d.Kill();
            d.WaitForExit();
            d.Dispose();
        }
        base.Dispose();
        foreach (var p in _piped) p.Dispose();
    }

    /// <summary>
    /// The runtime with pipes as stdio (the harness uses files, which criu cannot dump: they live outside the
    /// container's mounts). A detached container keeps writing into the stdout pipe after the runtime exits.
    /// </summary>
    private sealed class PipedRuntime : IDisposable
    {
        private readonly Process _p;
        private readonly BlockingCollection<string> _lines = new();
        private readonly Thread _reader;
        private int _last = -1;

        public PipedRuntime(string root, string[] args)
        {
            Args = args;
            var psi = new ProcessStartInfo(RepoPaths.RuntimePath)
            {
                UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            psi.ArgumentList.Add("--root");
            psi.ArgumentList.Add(root);
            foreach (var a in args) psi.ArgumentList.Add(a);
            _p = Process.Start(psi)!;
            _p.StandardInput.Close();
            _reader = new Thread(() =>
            {
                try
                {
                    while (_p.StandardOutput.ReadLine() is { } line) _lines.Add(line);
                }
                catch (Exception) { }
                _lines.CompleteAdding();
            }) { IsBackground = true };
            _reader.Start();
            // stderr is read as it comes, not only at its end: a detached container, or a criu that outlives the
            // runtime for a moment, keeps the pipe open after the runtime has written its error and exited
            _errReader = new Thread(() =>
            {
                var buf = new char[4096];
                try
                {
                    int n;
                    while ((n = _p.StandardError.Read(buf, 0, buf.Length)) > 0)
                    {
                        lock (_err) _err.Append(buf, 0, n);
                    }
                }
                catch (Exception) { }
                _errDone.Set();
            }) { IsBackground = true };
            _errReader.Start();
        }

        private readonly System.Text.StringBuilder _err = new();
        private readonly ManualResetEventSlim _errDone = new();
        private readonly Thread _errReader;

        public string Stderr { get; private set; } = "";

        public string[] Args { get; }

        public int WaitExit()
        {
            if (!_p.WaitForExit(60_000)) throw new TimeoutException("runtime did not exit");
            // what the runtime wrote before it exited is in the pipe, and the reader takes it at once; the end of the
            // pipe may not come (a detached container keeps it)
            _errDone.Wait(500);
            lock (_err) Stderr = _err.ToString();
            return _p.ExitCode;
        }

        public int NextNumber()
        {
            if (!_lines.TryTake(out var line, TimeSpan.FromSeconds(30)))
                throw new Xunit.Sdk.XunitException($"no output within 30 s (last {_last})");
            _last = int.Parse(line.Trim(), CultureInfo.InvariantCulture);
            return _last;
        }

        public int WaitForNumberAtLeast(int n)
        {
            while (NextNumber() < n) { }
            return _last;
        }

        /// <summary>The last number written before the writer went away (drains what is buffered).</summary>
        public int LastNumber()
        {
            while (_lines.TryTake(out var line, TimeSpan.FromSeconds(2)))
                _last = int.Parse(line.Trim(), CultureInfo.InvariantCulture);
            return _last;
        }

        public void Dispose() => _p.Dispose();
    }
}
