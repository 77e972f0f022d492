using System.Reflection;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Skiff.PackageTests;

/// <summary>
/// The package as a root app uses it: each test has its own state and bundle roots under /run/skiff-pkgtest,
/// the helper is found in the app's output (no configuration), and every container is checked for leaks.
/// </summary>
public sealed class LibraryTests : IDisposable
{
    private readonly string _dir = Path.Combine("/run/skiff-pkgtest", Guid.NewGuid().ToString("N")[..12]);
    private readonly SkiffRuntime _rt;

    public LibraryTests()
    {
        Directory.CreateDirectory(_dir);
        _rt = new SkiffRuntime(new SkiffRuntimeOptions { StateRoot = StateRoot, BundleRoot = BundleRoot });
    }

    private string StateRoot => Path.Combine(_dir, "state");
    private string BundleRoot => Path.Combine(_dir, "bundles");

    private static ContainerSpec Spec(params string[] args) => new(Host.Rootfs, args);

    private static string NewId() => "pkg-" + Guid.NewGuid().ToString("N")[..10];

    private void AssertNoLeaks(string id) => Assert.Empty(Host.Leaks(StateRoot, BundleRoot, id));

    /// <summary>No container of any id left in this test's roots.</summary>
    private void AssertRootsEmpty()
    {
        foreach (string root in new[] { StateRoot, BundleRoot })
            if (Directory.Exists(root))
                Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void TheHelperComesFromThePackageWithoutConfiguration()
    {
        var bare = new SkiffRuntime();
        Assert.Equal(_rt.BinaryPath, bare.BinaryPath);
        Assert.StartsWith(AppContext.BaseDirectory, _rt.BinaryPath);
        // the same bytes as the packed runtimes/linux-x64/native/skiff, restored from the local feed
        string packages = typeof(LibraryTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "RestorePackagesPath").Value!;
        string restored = Path.Combine(packages, "skiff/0.1.0/runtimes/linux-x64/native/skiff");
        Assert.True(File.Exists(restored), $"{restored} missing: the test did not restore the packed package");
        Assert.Equal(File.ReadAllBytes(restored), File.ReadAllBytes(_rt.BinaryPath));
        Assert.NotEqual((UnixFileMode)0, File.GetUnixFileMode(_rt.BinaryPath) & UnixFileMode.UserExecute);
        Assert.Contains("skiff version", Host.MustRun(_rt.BinaryPath, "--version"));
    }

    [Fact]
    public async Task TheThreeLineUseRunsAndReturnsOutputAndExitCode()
    {
        var spec = new ContainerSpec(Host.Rootfs, "sh", "-c", "echo hello from $(hostname); echo oops >&2; exit 3");
        var result = await _rt.RunAsync(spec);
        Assert.Equal(3, result.ExitCode);
        Assert.Matches("^hello from dotnet-[0-9a-f]{12}\n$", result.Stdout);
        Assert.Equal("oops\n", result.Stderr);
        Assert.False(result.OomKilled);
        AssertRootsEmpty();
    }

    [Fact]
    public async Task StdinAndStdoutStreamWhileTheContainerRuns()
    {
        string id = NewId();
        await using (var c = await _rt.StartAsync(Spec("sh", "-c", "while read l; do echo got:$l; done; echo bye >&2"), id))
        {
            var reader = new StreamReader(c.StandardOutput);
            foreach (string word in new[] { "one", "two" })
            {
                await c.StandardInput.WriteAsync(Encoding.UTF8.GetBytes(word + "\n"));
                await c.StandardInput.FlushAsync();
                Assert.Equal("got:" + word, await reader.ReadLineAsync());
                Assert.False(c.HasExited);
            }
            c.StandardInput.Dispose();
            Assert.Equal("", await reader.ReadToEndAsync());
            Assert.Equal("bye\n", await new StreamReader(c.StandardError!).ReadToEndAsync());
            Assert.Equal(0, await c.WaitForExitAsync());
            Assert.Equal(0, c.ExitCode);
        }
        AssertNoLeaks(id);
    }

    [Fact]
    public async Task ExecRunsInTheContainersNamespacesWithItsOwnStreams()
    {
        string id = NewId();
        await using (var c = await _rt.StartAsync(Spec("sleep", "1000"), id))
        {
            var p = c.Exec(new ProcessSpec("sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline; echo; read x; echo in:$x $A; exit 7").WithEnv("A", "b"));
            await p.StandardInput.WriteAsync("hi\n"u8.ToArray());
            p.StandardInput.Dispose();
            Assert.Equal("sleep 1000 \nin:hi b\n", await new StreamReader(p.StandardOutput).ReadToEndAsync());
            Assert.Equal(7, await p.WaitForExitAsync());
            // the exec'd shell was in the container's pid namespace: its pid 1 is the container's sleep
            Assert.Equal("sleep\01000\0", File.ReadAllText($"/proc/{c.Pid}/cmdline"));
            p.Dispose();

            using var missing = c.Exec(new ProcessSpec("no-such-program"));
            var ex = await Assert.ThrowsAsync<ContainerStartException>(() => missing.WaitForExitAsync());
            Assert.Contains("executable file not found in $PATH", ex.Message);
        }
        AssertNoLeaks(id);
    }

    [Fact]
    public async Task MemoryLimitIsEnforcedAndTheOomKillIsReportedAsSuch()
    {
        const long limit = 32 << 20;
        string id = NewId();
        await using (var c = await _rt.StartAsync(
                         Spec("sh", "-c", "read go; x=a; while true; do x=$x$x; done").WithMemoryLimit(limit), id))
        {
            // from the host: the memory cgroup of the container's init has the limit
            string cgroup = File.ReadAllLines($"/proc/{c.Pid}/cgroup").Single(l => l.Split(':')[1].Split(',').Contains("memory"));
            string dir = "/sys/fs/cgroup/memory" + cgroup.Split(':', 3)[2];
            Assert.Contains(id, dir);
            Assert.Equal(limit.ToString(), File.ReadAllText(Path.Combine(dir, "memory.limit_in_bytes")).Trim());
            Assert.Equal((ulong)limit, (await c.GetStatsAsync()).MemoryLimitBytes);
            await c.StandardInput.WriteAsync("go\n"u8.ToArray());
            c.StandardInput.Dispose();
            Assert.Equal(137, await c.WaitForExitAsync());
            Assert.True(c.OomKilled);
        }
        AssertNoLeaks(id);

        // control: the same limit and a process that stays under it is neither killed nor reported
        var ok = await _rt.RunAsync(Spec("sh", "-c", "x=a; i=0; while [ $i -lt 10 ]; do x=$x$x; i=$((i+1)); done; echo ${#x}")
            .WithMemoryLimit(limit));
        Assert.Equal((0, "1024\n", false), (ok.ExitCode, ok.Stdout, ok.OomKilled));
        AssertRootsEmpty();
    }

    [Fact]
    public async Task PidsAndCpuLimitsAreApplied()
    {
        string id = NewId();
        await using (var c = await _rt.StartAsync(Spec("sleep", "1000").WithPidsLimit(8).WithCpuLimit(0.5), id))
        {
            string Dir(string controller) => "/sys/fs/cgroup/" + controller + File.ReadAllLines($"/proc/{c.Pid}/cgroup")
                .Single(l => l.Split(':')[1].Split(',').Contains(controller)).Split(':', 3)[2];
            Assert.Equal("8", File.ReadAllText(Path.Combine(Dir("pids"), "pids.max")).Trim());
            Assert.Equal("50000", File.ReadAllText(Path.Combine(Dir("cpu"), "cpu.cfs_quota_us")).Trim());
            var stats = await c.GetStatsAsync();
            Assert.Equal(8UL, stats.PidsLimit);
            Assert.Equal(1UL, stats.PidsCurrent);
        }
        AssertNoLeaks(id);
        // the effect: a shell that forks past the limit is refused
        var r = await _rt.RunAsync(Spec("sh", "-c", "i=0; while [ $i -lt 20 ]; do sleep 30 & i=$((i+1)); done; echo done")
            .WithPidsLimit(8));
        Assert.Contains("can't fork", r.Stderr);
        AssertRootsEmpty();
    }

    [Fact]
    public async Task CancellationKillsTheContainerAndCleansUp()
    {
        string shared = Path.Combine(_dir, "shared");
        Directory.CreateDirectory(shared);
        using var cts = new CancellationTokenSource();
        var run = _rt.RunAsync(Spec("sh", "-c", "echo up > /mnt/started; exec sleep 1000").WithBindMount(shared, "/mnt", readOnly: false),
            cts.Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Path.Combine(shared, "started")))
        {
            Assert.False(run.IsCompleted, "the run ended before it started: " + run.Exception);
            Assert.True(DateTime.UtcNow < deadline, "the container did not start");
            await Task.Delay(50);
        }
        var state = Assert.Single(await _rt.ListAsync());
        Assert.Equal(ContainerStatus.Running, state.Status);
        Assert.True(Host.IsAlive(state.Pid));

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.False(Host.IsAlive(state.Pid));
        Assert.Empty(await _rt.ListAsync());
        AssertNoLeaks(state.Id);
        AssertRootsEmpty();
    }

    [Fact]
    public async Task SkiffListSeesTheLibrarysContainerAndTheLibrarySeesTheClis()
    {
        string id = NewId();
        await using (var c = await _rt.StartAsync(Spec("sleep", "1000"), id))
        {
            Assert.Contains(id, Host.MustRun(_rt.BinaryPath, "--root", StateRoot, "list", "-q").Split('\n'));
            using var state = JsonDocument.Parse(Host.MustRun(_rt.BinaryPath, "--root", StateRoot, "state", id));
            Assert.Equal("running", state.RootElement.GetProperty("status").GetString());
            Assert.Equal(c.Pid, state.RootElement.GetProperty("pid").GetInt32());
        }
        AssertNoLeaks(id);

        // vice versa: a container made with the CLI is listed, inspected and deleted by the library
        string cliId = NewId(), bundle = Path.Combine(_dir, "cli-bundle");
        Directory.CreateDirectory(bundle);
        Host.MustRun(_rt.BinaryPath, "spec", "--bundle", bundle);
        string configPath = Path.Combine(bundle, "config.json");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(configPath))!;
        config["root"]!["path"] = Host.Rootfs;
        config["process"]!["terminal"] = false;
        config["process"]!["args"] = new System.Text.Json.Nodes.JsonArray("sleep", "1000");
        File.WriteAllText(configPath, config.ToJsonString());
        Host.MustRun("/bin/sh", "-c", "exec \"$@\" </dev/null >/dev/null 2>&1", "sh",
            _rt.BinaryPath, "--root", StateRoot, "run", "-d", "--bundle", bundle, cliId);
        var listed = Assert.Single(await _rt.ListAsync(), s => s.Id == cliId);
        Assert.Equal(ContainerStatus.Running, listed.Status);
        Assert.Equal(bundle, listed.Bundle);
        Assert.Equal(listed.Pid, (await _rt.GetStateAsync(cliId)).Pid);
        await _rt.DeleteAsync(cliId, force: true);
        Assert.Empty(Host.Leaks(StateRoot, BundleRoot, cliId));
        Assert.False(Host.IsAlive(listed.Pid));
    }

    [Fact]
    public async Task PauseResumeSignalAndDeleteFollowTheState()
    {
        string id = NewId();
        var c = await _rt.CreateAsync(Spec("sleep", "1000"), id);
        Assert.Equal(ContainerStatus.Created, (await c.GetStateAsync()).Status);
        await c.StartAsync();
        Assert.Equal(ContainerStatus.Running, (await c.GetStateAsync()).Status);
        await c.PauseAsync();
        Assert.Equal(ContainerStatus.Paused, (await c.GetStateAsync()).Status);
        Assert.Equal("FROZEN", File.ReadAllText(FreezerState(c.Pid)).Trim());
        await c.ResumeAsync();
        Assert.Equal(ContainerStatus.Running, (await c.GetStateAsync()).Status);
        await Assert.ThrowsAsync<ContainerStateException>(() => c.ResumeAsync());
        await c.SignalAsync(9);
        Assert.Equal(137, await c.WaitForExitAsync());
        Assert.False(c.OomKilled);
        Assert.Equal(ContainerStatus.Stopped, (await c.GetStateAsync()).Status);
        await c.DeleteAsync();
        var gone = await Assert.ThrowsAsync<ContainerNotFoundException>(() => _rt.GetStateAsync(id));
        Assert.Contains("container does not exist", gone.Message);
        await c.DisposeAsync();
        AssertNoLeaks(id);
    }

    private static string FreezerState(int pid) => "/sys/fs/cgroup/freezer" + File.ReadAllLines($"/proc/{pid}/cgroup")
        .Single(l => l.Split(':')[1] == "freezer").Split(':', 3)[2] + "/freezer.state";

    [Fact]
    public async Task TheDefaultsSandboxAndEachCanBeTurnedOff()
    {
        const string probe = "touch /x 2>/dev/null && echo root-rw || echo root-ro; touch /tmp/y && echo tmp-rw; " +
                             "grep -c : /proc/net/dev; grep Seccomp: /proc/self/status | tr -d '\\t'; id -u";
        var sandboxed = await _rt.RunAsync(Spec("sh", "-c", probe));
        Assert.Equal("root-ro\ntmp-rw\n1\nSeccomp:2\n0\n", sandboxed.Stdout);

        // controls: the same probe with each default turned off sees the difference
        int hostInterfaces = File.ReadAllLines("/proc/net/dev").Count(l => l.Contains(':'));
        Assert.True(hostInterfaces > 1, "the host has only a loopback device: the network check proves nothing");
        string rootfs = Path.Combine(_dir, "rootfs-rw");
        Host.MustRun("/bin/cp", "-a", Host.Rootfs, rootfs);
        var open = await _rt.RunAsync(new ContainerSpec(rootfs, "sh", "-c", probe)
            .WithReadOnlyRoot(false).WithNetwork(NetworkMode.Host).WithSeccomp(false));
        Assert.Equal($"root-rw\ntmp-rw\n{hostInterfaces}\nSeccomp:0\n0\n", open.Stdout);
        var user = await _rt.RunAsync(Spec("sh", "-c", "id -u; id -g; pwd; echo $GREETING")
            .WithUser(65534, 65534).WithWorkingDirectory("/tmp").WithEnv("GREETING", "hi"));
        Assert.Equal("65534\n65534\n/tmp\nhi\n", user.Stdout);
        AssertRootsEmpty();
    }

    [Fact]
    public async Task ATerminalIsAPseudoTerminal()
    {
        var r = await _rt.RunAsync(Spec("sh", "-c", "tty; echo hi").WithTerminal());
        Assert.Equal("/dev/pts/0\r\nhi\r\n", r.Stdout);
        Assert.Equal(0, r.ExitCode);
        AssertRootsEmpty();
    }

    [Fact]
    public async Task ErrorsAreTypedAndCarryRuncsChain()
    {
        var start = await Assert.ThrowsAsync<ContainerStartException>(() => _rt.RunAsync(Spec("no-such-program")));
        Assert.Contains("unable to start container process: exec: \"no-such-program\": executable file not found in $PATH", start.Message);
        Assert.Contains("unable to start container process", start.Chain);
        AssertRootsEmpty();

        var missing = await Assert.ThrowsAsync<ContainerNotFoundException>(() => _rt.GetStateAsync("no-such-container"));
        Assert.Equal("container does not exist", missing.Message);

        string id = NewId();
        await using (await _rt.CreateAsync(Spec("true"), id))
        {
            await Assert.ThrowsAsync<ContainerExistsException>(() => _rt.CreateAsync(Spec("true"), id));
        }
        AssertNoLeaks(id);
    }

    [Fact]
    public async Task DisposeLeavesNothingBehindInAnyState()
    {
        string shared = Path.Combine(_dir, "ro");
        Directory.CreateDirectory(shared);
        // created, never started, with cgroups and a bind mount
        string created = NewId();
        var c1 = await _rt.CreateAsync(Spec("true").WithMemoryLimit(64 << 20).WithPidsLimit(16).WithBindMount(shared, "/mnt"), created);
        int pid1 = c1.Pid;
        Assert.True(Host.IsAlive(pid1));
        Assert.NotEmpty(Directory.GetDirectories(StateRoot));
        c1.Dispose();
        Assert.False(Host.IsAlive(pid1));
        AssertNoLeaks(created);

        // running, with an exec'd process still running in it
        string running = NewId();
        var c2 = await _rt.StartAsync(Spec("sleep", "1000").WithMemoryLimit(64 << 20), running);
        var p = c2.Exec(new ProcessSpec("sh", "-c", "echo up; exec sleep 1000"));
        Assert.Equal("up", await new StreamReader(p.StandardOutput).ReadLineAsync());
        await c2.DisposeAsync();
        Assert.Equal(137, await p.WaitForExitAsync());
        p.Dispose();
        AssertNoLeaks(running);
        AssertRootsEmpty();
    }
    [Fact]
    public async Task TheSpecBuilderWritesTheOciFieldsAndEditSeesThem()
    {
        System.Text.Json.Nodes.JsonObject? seen = null;
        string id = NewId(), shared = Path.Combine(_dir, "bind");
        Directory.CreateDirectory(shared);
        var spec = Spec("true").WithMemoryLimit(48 << 20).WithCpuLimit(1.5).WithPidsLimit(32).WithHostname("box")
            .WithBindMount(shared, "/mnt/data", readOnly: false).WithEnv("PATH", "/bin").WithEnv("K", "v")
            .Edit(c => c["annotations"] = new System.Text.Json.Nodes.JsonObject { ["org.example/by"] = "test" })
            .Edit(c => seen = (System.Text.Json.Nodes.JsonObject)c.DeepClone());
        await using (var c = await _rt.CreateAsync(spec, id))
        {
            Assert.NotNull(seen);
            var linux = seen!["linux"]!;
            Assert.Equal(48L << 20, (long)linux["resources"]!["memory"]!["limit"]!);
            Assert.Equal(150000L, (long)linux["resources"]!["cpu"]!["quota"]!);
            Assert.Equal("100000", linux["resources"]!["cpu"]!["period"]!.ToJsonString());
            Assert.Equal(32L, (long)linux["resources"]!["pids"]!["limit"]!);
            Assert.Contains("network", linux["namespaces"]!.AsArray().Select(n => (string)n!["type"]!));
            Assert.Equal("SCMP_ACT_ERRNO", (string)linux["seccomp"]!["defaultAction"]!);
            Assert.True((bool)seen["root"]!["readonly"]!);
            Assert.Equal("box", (string)seen["hostname"]!);
            var env = seen["process"]!["env"]!.AsArray().Select(e => (string)e!).ToList();
            Assert.Equal(1, env.Count(e => e.StartsWith("PATH=", StringComparison.Ordinal)));
            Assert.Contains("PATH=/bin", env);
            Assert.Contains("K=v", env);
            var bind = seen["mounts"]!.AsArray().Single(m => (string)m!["destination"]! == "/mnt/data")!;
            Assert.Equal(shared, (string)bind["source"]!);
            Assert.DoesNotContain("ro", bind["options"]!.AsArray().Select(o => (string)o!));
            // what the runtime was given is what the container has: its state carries the edited annotation
            Assert.Equal("test", (await c.GetStateAsync()).Annotations["org.example/by"]);
            Assert.Equal(c.Pid, (await c.GetStateAsync()).Pid);
        }
        AssertNoLeaks(id);
    }

    [Fact]
    public async Task ManyContainersAtOnceEachGetTheirOwnExitCode()
    {
        var runs = Enumerable.Range(1, 6).Select(i => _rt.RunAsync(Spec("sh", "-c", $"echo {i}; exit {i}"))).ToArray();
        var results = await Task.WhenAll(runs);
        Assert.Equal(Enumerable.Range(1, 6), results.Select(r => r.ExitCode));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"{i}\n"), results.Select(r => r.Stdout));
        AssertRootsEmpty();
    }
}
