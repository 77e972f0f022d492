using System.Diagnostics;
using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Rootless: a user the test makes (useradd) runs the runtime through setpriv, as runc documents it: `spec
/// --rootless` maps root to the caller, the state lives in $XDG_RUNTIME_DIR/&lt;runtime&gt;, cgroups it may not create
/// are skipped, and idmapped mounts are refused.
/// </summary>
public sealed class RootlessTests : ContainerTest
{
    private const string UserName = "skiff-it-rootless";
    private static readonly Lazy<(uint Uid, uint Gid)> s_user = new(EnsureUser);
    private static readonly Lazy<string> s_runtime = new(ReachableRuntime);
    private readonly string _home;
    private readonly List<string> _ids = new();
    private int _seq;

    public RootlessTests()
    {
        _home = Path.Combine(RepoPaths.TempRoot, "rootless-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_home);
        Chown(_home);
        BusyboxRootfs.Run("/bin/chmod", "700", _home);
    }

    private static uint Uid => s_user.Value.Uid;

    /// <summary>$XDG_RUNTIME_DIR of the user (its home too).</summary>
    private string Xdg => _home;

    /// <summary>Where the runtime keeps its state without --root: $XDG_RUNTIME_DIR/runc or /skiff.</summary>
    private string StateRoot => Path.Combine(Xdg, RepoPaths.ProgramName);

    private static (uint, uint) EnsureUser()
    {
        if (!IdOf("-u", out _))
        {
            var p = Process.Start("/usr/sbin/useradd", ["-M", "-U", "-s", "/usr/sbin/nologin", "-d", "/nonexistent", UserName])!;
            p.WaitForExit();
        }
        if (!IdOf("-u", out uint uid) || !IdOf("-g", out uint gid))
            throw new InvalidOperationException($"cannot create the test user {UserName}");
        return (uid, gid);
    }

    private static bool IdOf(string flag, out uint id)
    {
        var psi = new ProcessStartInfo("/usr/bin/id", [flag, UserName]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string s = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        id = 0;
        return p.ExitCode == 0 && uint.TryParse(s.Trim(), out id);
    }

    /// <summary>The runtime binary, copied where the user can run it when its own path is not reachable.</summary>
    private static string ReachableRuntime()
    {
        var path = RepoPaths.RuntimePath;
        var (uid, gid) = s_user.Value;
        var probe = Process.Start("/usr/bin/setpriv",
            [$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--", "/usr/bin/test", "-x", path])!;
        probe.WaitForExit();
        if (probe.ExitCode == 0) return path;
        var dir = Path.Combine(RepoPaths.TempRoot, "rootless-bin");
        Directory.CreateDirectory(dir);
        var copy = Path.Combine(dir, Path.GetFileName(path));
        File.Copy(path, copy, overwrite: true);
        BusyboxRootfs.Run("/bin/chmod", "755", dir, copy);
        return copy;
    }

    private static void Chown(string path) => BusyboxRootfs.Run("/bin/chown", $"{Uid}:{s_user.Value.Gid}", path);

    /// <summary>Runs the runtime as the user (no --root), in <paramref name="cwd"/>, stdio to files.</summary>
    private RunResult AsUser(string? cwd, params string[] args)
    {
        var n = Interlocked.Increment(ref _seq);
        var io = Path.Combine(RepoPaths.TempRoot, $"rootless-io-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(io);
        string outPath = Path.Combine(io, $"{n}.out"), errPath = Path.Combine(io, $"{n}.err");
        File.WriteAllText(outPath, "");
        File.WriteAllText(errPath, "");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var a in new[]
                 {
                     "-c", "d=$1 o=$2 e=$3; shift 3; cd \"$d\" && exec \"$@\" </dev/null >\"$o\" 2>\"$e\"", "sh",
                     cwd ?? Xdg, outPath, errPath, "/usr/bin/setpriv", $"--reuid={Uid}", $"--regid={s_user.Value.Gid}",
                     "--clear-groups", "--", "/usr/bin/env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                     $"XDG_RUNTIME_DIR={Xdg}", $"HOME={_home}", $"USER={UserName}", s_runtime.Value,
                 })
            psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill();
            throw new TimeoutException($"rootless {string.Join(' ', args)} hung");
        }
        return new RunResult(args, p.ExitCode, outPath, errPath);
    }

    private string NewRootlessId()
    {
        var id = NewId("rl");
        _ids.Add(id);
        return id;
    }

    /// <summary>A bundle whose config is what `spec --rootless` printed for the user, with our rootfs and args.</summary>
    private Bundle RootlessBundle(params string[] args)
    {
        var b = NewBundle(args);
        var specDir = Path.Combine(_home, "spec-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(specDir);
        Chown(specDir);
        AsUser(specDir, "spec", "--rootless").AssertSuccess();
        var generated = JsonNode.Parse(File.ReadAllText(Path.Combine(specDir, "config.json")))!.AsObject();
        b.Edit(c =>
        {
            c.Clear();
            foreach (var kv in generated) c[kv.Key] = kv.Value?.DeepClone();
        });
        b.Root["path"] = b.RootfsPath;
        b.Root["readonly"] = true;
        b.Terminal(false).Args(args.Length > 0 ? args : ["true"]);
        return b;
    }

    private void AssertRootlessNothingLeaked(string id, Bundle b) =>
        Leaks.AssertNothingLeaked(StateRoot, id, Rt.TrackedPids, [b.Dir, b.RootfsPath]);

    [Fact]
    public void SpecRootlessMapsRootToTheCaller()
    {
        var b = RootlessBundle();
        var linux = b.Linux;
        var types = linux["namespaces"]!.AsArray().Select(n => n!["type"]!.GetValue<string>()).ToList();
        Assert.Contains("user", types);
        Assert.DoesNotContain("network", types);
        var uid = linux["uidMappings"]!.AsArray().Single()!;
        Assert.Equal(0u, uid["containerID"]!.GetValue<uint>());
        Assert.Equal(Uid, uid["hostID"]!.GetValue<uint>());
        Assert.Equal(1u, uid["size"]!.GetValue<uint>());
        Assert.Equal(s_user.Value.Gid, linux["gidMappings"]!.AsArray().Single()!["hostID"]!.GetValue<uint>());
        Assert.Null(linux["resources"]);
        var sys = b.Config["mounts"]!.AsArray().Single(m => m!["destination"]!.GetValue<string>() == "/sys")!;
        Assert.Contains("rbind", sys["options"]!.AsArray().Select(o => o!.GetValue<string>()));
    }

    [Fact]
    public void InsideTheCallerIsRoot()
    {
        var b = RootlessBundle("sh", "-c", "id -u; id -g; cat /proc/self/uid_map /proc/self/setgroups");
        var id = NewRootlessId();
        b.Save();
        var r = AsUser(b.Dir, "run", id).AssertSuccess();
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))).ToList();
        // gid_map of the caller's own gid may only be written after setgroups is denied
        Assert.Equal(["0", "0", $"0 {Uid} 1", "deny"], lines);
        AssertRootlessNothingLeaked(id, b);
    }

    [Fact]
    public void TheContainerRunsAsTheCallerWithItsStateInXdgRuntimeDir()
    {
        var b = RootlessBundle("sleep", "100");
        var id = NewRootlessId();
        b.Save();
        AsUser(b.Dir, "create", id).AssertSuccess();
        Assert.True(Directory.Exists(Path.Combine(StateRoot, id)), $"no state in {StateRoot}");
        Assert.Equal($"{Uid} {s_user.Value.Gid}", UserNamespaceTests.StatOwner(Path.Combine(StateRoot, id)));
        var state = JsonNode.Parse(AsUser(null, "state", id).AssertSuccess().Stdout)!;
        Assert.Equal("created", state["status"]!.GetValue<string>());
        int pid = state["pid"]!.GetValue<int>();
        AsUser(null, "start", id).AssertSuccess();
        Assert.Equal(Uid.ToString(), UserNamespaceTests.StatusIds(pid, "Uid")[0]);
        // no cgroup was made for it: the host's cgroups are not delegated to the user
        Assert.DoesNotContain(id, HostProc.Cgroup(pid));
        Assert.Contains(id, AsUser(null, "list", "-q").AssertSuccess().Stdout);
        AsUser(null, "kill", id, "KILL").AssertSuccess();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (HostProc.IsAlive(pid) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        AsUser(null, "delete", id).AssertSuccess();
        AssertRootlessNothingLeaked(id, b);
    }

    [Fact]
    public void AsTheUserRootlessFalseCannotMakeCgroups()
    {
        var b = RootlessBundle();
        var id = NewRootlessId();
        b.Save();
        // --rootless=false: cgroup permission errors are not ignored
        AsUser(b.Dir, "--rootless", "false", "run", id).AssertFailure("permission denied");
        AssertRootlessNothingLeaked(id, b);
    }

    [Fact]
    public void AnotherUsersIdCannotBeMapped()
    {
        // Facts established here, not assumed: newuidmap is installed and the user has a subordinate range (added
        // when missing), so the mapping below goes through newuidmap; the ids it asks for lie beyond every range
        // /etc/subuid grants this user, so newuidmap must refuse them.
        Assert.True(File.Exists("/usr/bin/newuidmap"), "the uidmap package (newuidmap/newgidmap) is needed");
        SubordinateStart("/etc/subuid");
        uint beyond = UserSubordinateEnd("/etc/subuid") + 100000;
        var b = RootlessBundle();
        b.Linux["uidMappings"] = UserNamespaceTests.Maps((0, Uid, 1), (1, beyond, 10));
        var id = NewRootlessId();
        b.Save();
        AsUser(b.Dir, "run", id).AssertFailure();
        AssertRootlessNothingLeaked(id, b);

        // the control: the same mapping inside the user's own range runs
        uint own = SubordinateStart("/etc/subuid");
        b.Linux["uidMappings"] = UserNamespaceTests.Maps((0, Uid, 1), (1, own, 10));
        var ok = NewRootlessId();
        b.Save();
        AsUser(b.Dir, "run", ok).AssertSuccess();
        AssertRootlessNothingLeaked(ok, b);
    }

    /// <summary>The end (exclusive) of the highest subordinate range <paramref name="file"/> grants the test user.</summary>
    private static uint UserSubordinateEnd(string file)
    {
        uint end = 0;
        foreach (string line in File.ReadAllLines(file))
        {
            string[] f = line.Split(':');
            if (f.Length == 3 && f[0] == UserName && uint.TryParse(f[1], out uint start) && uint.TryParse(f[2], out uint count))
            {
                end = Math.Max(end, start + count);
            }
        }
        return end;
    }

    /// <summary>The user's subordinate range from /etc/subuid (or /etc/subgid), added when missing.</summary>
    private static uint SubordinateStart(string file)
    {
        foreach (string line in File.Exists(file) ? File.ReadAllLines(file) : [])
        {
            string[] f = line.Split(':');
            if (f.Length == 3 && f[0] == UserName && uint.TryParse(f[1], out uint start)) return start;
        }
        File.AppendAllText(file, $"{UserName}:300000:65536\n");
        return 300000;
    }

    [Fact]
    public void MoreIdsAreMappedThroughNewuidmap()
    {
        Assert.True(File.Exists("/usr/bin/newuidmap"), "the uidmap package (newuidmap/newgidmap) is needed");
        uint subUid = SubordinateStart("/etc/subuid"), subGid = SubordinateStart("/etc/subgid");
        var b = RootlessBundle("sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g");
        b.Linux["uidMappings"] = UserNamespaceTests.Maps((0, Uid, 1), (1, subUid, 1000));
        b.Linux["gidMappings"] = UserNamespaceTests.Maps((0, s_user.Value.Gid, 1), (1, subGid, 1000));
        var id = NewRootlessId();
        b.Save();
        // an unprivileged caller may only write its own id: the rest goes through the setuid newuidmap/newgidmap
        var r = AsUser(b.Dir, "run", id).AssertSuccess();
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Equal($"0 {Uid} 1", lines[0]);
        Assert.Equal($"1 {subUid} 1000", lines[1]);
        Assert.Equal($"0 {s_user.Value.Gid} 1", lines[2]);
        Assert.Equal($"1 {subGid} 1000", lines[3]);
        Assert.Equal(["0", "0"], lines.Skip(4).ToArray());
        AssertRootlessNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 has no idmapped mounts")]
    public void IdmappedMountsAreRefused()
    {
        var b = RootlessBundle().AddMount("/mnt/a", "bind", Xdg, "bind", "idmap");
        var id = NewRootlessId();
        b.Save();
        AsUser(b.Dir, "run", id).AssertFailure("id-mapped mounts are not supported for rootless containers");
        AssertRootlessNothingLeaked(id, b);
    }

    public override void Dispose()
    {
        foreach (var id in _ids)
        {
            try { AsUser(null, "delete", "--force", id); }
            catch (Exception e) when (e is TimeoutException or IOException) { }
        }
        base.Dispose();
        Runtime.TryDelete(_home);
    }
}
