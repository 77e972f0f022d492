namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// Base class of the integration tests: a private runtime root per test (tests run in parallel), unique
/// container ids, bundles, and cleanup (delete --force of anything left, temp dirs removed).
/// </summary>
public abstract class ContainerTest : IDisposable
{
    private readonly List<Bundle> _bundles = new();
    private readonly List<string> _ids = new();

    protected ContainerTest()
        : this(new Runtime())
    {
    }

    /// <summary>With a runner of the test's own (e.g. one executing a copy of the runtime binary).</summary>
    protected ContainerTest(Runtime rt)
    {
        Rt = rt;
    }

    /// <summary>The runtime runner, with this test's own --root.</summary>
    protected Runtime Rt { get; }

    /// <summary>A unique container id: it-&lt;prefix&gt;-&lt;12 hex&gt;.</summary>
    protected string NewId(string prefix = "c")
    {
        var id = $"it-{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 16)];
        _ids.Add(id);
        return id;
    }

    /// <summary>A fresh busybox bundle, terminal false, with the given args.</summary>
    protected Bundle NewBundle(params string[] args)
    {
        var b = Bundle.Create(GetType().Name.Replace("Tests", "", StringComparison.Ordinal).ToLowerInvariant(), args);
        _bundles.Add(b);
        return b;
    }

    /// <summary>A bundle running sh -c script.</summary>
    protected Bundle ShellBundle(string script) => NewBundle("sh", "-c", script);

    /// <summary>Runs sh -c script in the foreground, asserts success and returns its stdout.</summary>
    protected string RunShell(Bundle bundle, string script)
    {
        bundle.Shell(script);
        var id = NewId("run");
        var r = Rt.Run(id, bundle).AssertSuccess();
        AssertNothingLeaked(id, bundle);
        return r.Stdout;
    }

    /// <summary>Starts `run` (foreground) on a worker thread and returns once state says running.</summary>
    protected Task<RunResult> RunInBackground(string id, Bundle bundle, params string[] extra)
    {
        bundle.Save();
        var run = Task.Run(() => Rt.Run(id, bundle, extra));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (run.IsCompleted)
            {
                var r = run.Result;
                throw new Xunit.Sdk.XunitException($"run exited {r.ExitCode} before it was seen running\n{r.Stderr}");
            }
            if (Rt.StateRaw(id).ExitCode == 0 && Rt.Status(id) == "running")
            {
                return run;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"container {id} never ran");
            }
            Thread.Sleep(50);
        }
    }

    /// <summary>See <see cref="Leaks.AssertNothingLeaked"/>; checks the bundle (and private rootfs) paths.</summary>
    protected void AssertNothingLeaked(string id, Bundle? bundle = null)
    {
        var paths = new List<string>();
        var dirs = new List<string>();
        foreach (var b in bundle != null ? [bundle] : _bundles)
        {
            paths.Add(b.Dir);
            paths.Add(b.RootfsPath);
            dirs.Add(b.Dir);
        }
        Leaks.AssertNothingLeaked(Rt.Root, id, Rt.TrackedPids, paths, dirs);
    }

    /// <summary>The runtime's status/output files are kept until cleanup, so failures can be read.</summary>
    public virtual void Dispose()
    {
        Rt.Cleanup();
        foreach (var b in _bundles)
        {
            Runtime.TryDelete(b.Dir);
        }
        GC.SuppressFinalize(this);
    }
}
