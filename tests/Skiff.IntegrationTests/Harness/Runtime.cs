using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// Runs the runtime binary under test with a private <c>--root</c>. Each invocation goes through
/// <c>/bin/sh -c 'exec "$@" &lt;in &gt;out 2&gt;err'</c> so stdio are plain files: a detached container
/// inherits them without keeping a pipe open on us, and its output can be read later.
/// </summary>
public sealed class Runtime
{
    private static int s_seq;
    private readonly string _ioDir;
    private readonly List<TrackedPid> _pids = new();

    public Runtime(string? root = null)
    {
        Root = root ?? Path.Combine(RepoPaths.StateRoot, Guid.NewGuid().ToString("N")[..12]);
        _ioDir = Path.Combine(RepoPaths.TempRoot, "io-" + Path.GetFileName(Root));
        Directory.CreateDirectory(_ioDir);
    }

    /// <summary>Extra environment for every runtime invocation of this runner (test knobs such as SKIFF_CGROUP_V2_ROOT).</summary>
    public Dictionary<string, string> Env { get; } = new();

    /// <summary>The runtime binary this runner executes: <see cref="RepoPaths.RuntimePath"/> unless a test runs a copy
    /// (an attack that may overwrite the binary must never hit the build).</summary>
    public string Binary { get; init; } = RepoPaths.RuntimePath;

    /// <summary>The --root state directory of this runner.</summary>
    public string Root { get; }

    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Container pids seen through <see cref="State"/>, for leak checks and last-resort cleanup.</summary>
    public IReadOnlyList<TrackedPid> TrackedPids
    {
        get { lock (_pids) { return _pids.ToArray(); } }
    }

    /// <summary>Runs <c>runtime --root Root args…</c>.</summary>
    public RunResult Exec(IEnumerable<string> args, string? stdin = null, TimeSpan? timeout = null, bool withRoot = true)
    {
        var argv = args.ToList();
        var n = Interlocked.Increment(ref s_seq);
        var prefix = Path.Combine(_ioDir, $"{n:D4}-{(argv.Count > 0 ? argv[0] : "none")}");
        var inPath = prefix + ".in";
        var outPath = prefix + ".out";
        var errPath = prefix + ".err";
        File.WriteAllText(inPath, stdin ?? string.Empty);
        File.WriteAllText(outPath, string.Empty);
        File.WriteAllText(errPath, string.Empty);

        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var (k, v) in Env)
        {
            psi.Environment[k] = v;
        }
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("i=$1 o=$2 e=$3; shift 3; exec \"$@\" <\"$i\" >\"$o\" 2>\"$e\"");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(inPath);
        psi.ArgumentList.Add(outPath);
        psi.ArgumentList.Add(errPath);
        psi.ArgumentList.Add(Binary);
        if (withRoot)
        {
            psi.ArgumentList.Add("--root");
            psi.ArgumentList.Add(Root);
        }
        foreach (var a in argv)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start /bin/sh");
        var limit = timeout ?? DefaultTimeout;
        if (!p.WaitForExit(limit))
        {
            try { p.Kill(); } catch (InvalidOperationException) { }
            p.WaitForExit();
            var partial = new RunResult(argv, -1, outPath, errPath);
            throw new TimeoutException($"{partial.Describe()} did not exit within {limit}\nstdout:\n{partial.Stdout}\nstderr:\n{partial.Stderr}");
        }
        return new RunResult(argv, p.ExitCode, outPath, errPath);
    }

    public RunResult Exec(params string[] args) => Exec((IEnumerable<string>)args);

    /// <summary><c>run -b bundle id</c> in the foreground: returns once the container exits.</summary>
    public RunResult Run(string id, Bundle bundle, params string[] extra)
    {
        bundle.Save();
        return Exec(["run", "-b", bundle.Dir, .. extra, id]);
    }

    /// <summary><c>create -b bundle [extra] id</c>; the container's stdio are this result's files.</summary>
    public RunResult Create(string id, Bundle bundle, params string[] extra)
    {
        bundle.Save();
        return Exec(["create", "-b", bundle.Dir, .. extra, id]);
    }

    public RunResult Start(string id) => Exec("start", id);

    /// <summary>create + start, both asserted successful; the result's Stdout is the container's output.</summary>
    public RunResult CreateAndStart(string id, Bundle bundle, params string[] extra)
    {
        var created = Create(id, bundle, extra).AssertSuccess();
        State(id);
        Start(id).AssertSuccess();
        return created;
    }

    public RunResult StateRaw(string id) => Exec("state", id);

    /// <summary><c>state id</c> parsed; records the pid for leak checks.</summary>
    public JsonObject State(string id)
    {
        var r = StateRaw(id).AssertSuccess();
        var state = JsonNode.Parse(r.Stdout)?.AsObject() ?? throw new Xunit.Sdk.XunitException($"state {id}: not JSON: {r.Stdout}");
        var pid = state["pid"]?.GetValue<int>() ?? 0;
        if (pid > 0 && HostProc.StartTime(pid) is long st)
        {
            lock (_pids)
            {
                if (!_pids.Any(t => t.Pid == pid && t.StartTime == st))
                {
                    _pids.Add(new TrackedPid(id, pid, st));
                }
            }
        }
        return state;
    }

    public string Status(string id) => State(id)["status"]!.GetValue<string>();

    public RunResult Kill(string id, string? signal = null, bool all = false)
    {
        var args = new List<string> { "kill" };
        if (all)
        {
            args.Add("--all");
        }
        args.Add(id);
        if (signal != null)
        {
            args.Add(signal);
        }
        return Exec(args);
    }

    public RunResult Delete(string id, bool force = false) =>
        force ? Exec("delete", "--force", id) : Exec("delete", id);

    /// <summary>Polls state until the status is <paramref name="status"/>.</summary>
    public void WaitForStatus(string id, string status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        string last = "";
        while (DateTime.UtcNow < deadline)
        {
            last = Status(id);
            if (last == status)
            {
                return;
            }
            Thread.Sleep(50);
        }
        throw new Xunit.Sdk.XunitException($"container {id} still {last}, expected {status}");
    }

    /// <summary>Force-deletes every container in Root, kills tracked pids still alive, removes Root.</summary>
    public void Cleanup()
    {
        try
        {
            if (Directory.Exists(Root))
            {
                foreach (var dir in Directory.GetDirectories(Root))
                {
                    Exec(["delete", "--force", Path.GetFileName(dir)], timeout: TimeSpan.FromSeconds(30));
                }
            }
        }
        catch (Exception)
        {
            // best effort: the checks below still run
        }
        foreach (var t in TrackedPids)
        {
            if (HostProc.StartTime(t.Pid) == t.StartTime)
            {
                HostProc.Kill(t.Pid, 9);
            }
        }
        DetachMountsUnder(Root);
        TryDelete(Root);
        TryDelete(_ioDir);
    }

    /// <summary>
    /// Lazily unmounts whatever is still mounted under <paramref name="dir"/> (a runtime killed in the middle of a
    /// restore leaves its criu-root, a bind mount of the rootfs, in the state dir): a recursive delete must not
    /// walk into the shared busybox rootfs through it.
    /// </summary>
    private static void DetachMountsUnder(string dir)
    {
        var prefix = dir.TrimEnd('/') + "/";
        var points = File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => Leaks.Unoctal(l.Split(' ')[4]))
            .Where(m => m.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(m => m.Length);
        foreach (var m in points)
        {
            Native.Umount2(m, 2 /* MNT_DETACH */);
        }
    }

    internal static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A container process seen alive: pid plus its start time (field 22 of /proc/pid/stat).</summary>
public sealed record TrackedPid(string Id, int Pid, long StartTime);
