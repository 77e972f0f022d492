using System.Diagnostics;
using System.Security.Cryptography;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// CVE-2019-5736: a hostile image must not overwrite the runtime's binary on the host through /proc/PID/exe of a
/// process that executes it: the container's init while it waits for `start` (/proc/1/exe), or an exec'd process
/// that runs the runtime's binary again as the interpreter of an entry script "#!/proc/self/exe". The attacker is
/// real (Attackers/attack.c, static): it opens /proc/PID/exe read-only, waits until nothing executes the file any
/// more and writes it through /proc/self/fd/N. Nothing is left to timing: the created init waits until the test
/// starts it (the attacker is exec'd into the created container first), and an exec'd runtime is held by the image
/// itself: the script names a FIFO as its log ("#!/proc/self/exe --log=/hold"), the runtime blocks opening it before
/// it looks at its command, and the attacker opens the FIFO (releasing it) only once it has the binary open. That
/// needs nothing of the binary but runc's --log flag, so it works against any runtime, static or dynamic (for a
/// dynamic one the image also ships the loader and the libraries `ldd` lists). The runtime under test is a copy in a
/// temp dir, never the build. Each test also runs the same attack against a copy of the binary inside the image
/// executed plainly by a container process ("#!/rt-copy --log=/hold"): the control that the attack writes a binary
/// when it is not a clone. With SKIFF_RUNTIME=/usr/sbin/runc: runc 1.1.5 is protected too (a read-only bind, EROFS).
/// </summary>
public sealed class BinaryCloneTests : ContainerTest
{
    private const string ExeSealDebug = "skiff exeseal: using /proc/self/exe clone (read-only detached bind mount)";
    private static readonly Lazy<string> s_attack = new(CompileAttack);
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(90);

    public BinaryCloneTests()
        : base(new Runtime { Binary = CopyOfRuntime() })
    {
    }

    private string HostBinary => Rt.Binary;

    [Fact]
    public void InitProcPidExeCannotWriteTheHostBinary()
    {
        string before = Sha256(HostBinary);
        var b = HostileBundle("sleep", "3600");
        var id = NewId("exe");
        b.Save();
        // the created container's init executes the runtime's binary while it waits for start
        var created = Rt.Exec(["--debug", "create", "-b", b.Dir, id]).AssertSuccess();
        Rt.State(id);
        Rt.Exec("exec", "-d", id, "/attack", "pid", "1", "/result").AssertSuccess();
        Assert.StartsWith("caught 1 ", WaitForFile(b, "result.caught"), StringComparison.Ordinal);
        // init execs sleep: PID 1 lives on, and nothing executes the runtime's binary any more
        Rt.Start(id).AssertSuccess();

        string result = WaitForFile(b, "result");
        Assert.Equal(before, Sha256(HostBinary));
        AssertRefused(result);
        if (!RepoPaths.IsRunc)
        {
            Assert.Contains(ExeSealDebug, created.Stderr);
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);

        // control: the same attacker on a container process that executes a copy of the binary plainly, held by its
        // --log FIFO; the attacker releases it (it exits) once it has caught it
        var c = HostileBundle("sleep", "3600");
        var cid = NewId("exe");
        string copyBefore = Sha256(Path.Combine(c.RootfsPath, "rt-copy"));
        Rt.CreateAndStart(cid, c);
        string pidFile = Path.Combine(c.Dir, "held.pid");
        Rt.Exec("exec", "-d", "--pid-file", pidFile, cid, "/entry-control.sh").AssertSuccess();
        int hostPid = int.Parse(File.ReadAllText(pidFile).Trim());
        // exec -d may return before its process has exec'd: wait until it runs the script (then /rt-copy is its exe)
        WaitUntil(() => HostProc.Cmdline(hostPid).EndsWith(" /entry-control.sh", StringComparison.Ordinal),
            "the held process runs /entry-control.sh");
        string held = ContainerPid(hostPid);
        Rt.Exec("exec", "-d", cid, "/attack", "pid", held, "/result", "/hold").AssertSuccess();
        Assert.Equal($"caught {held} /rt-copy", WaitForFile(c, "result.caught"));
        Assert.Equal("wrote OK /rt-copy", WaitForFile(c, "result"));
        Assert.NotEqual(copyBefore, Sha256(Path.Combine(c.RootfsPath, "rt-copy")));
        Rt.Delete(cid, force: true).AssertSuccess();
        AssertNothingLeaked(cid, c);
        Assert.Equal(before, Sha256(HostBinary));
    }

    [Fact]
    public void ExecProcPidExeCannotWriteTheHostBinary()
    {
        string before = Sha256(HostBinary);
        var b = HostileBundle("/attack", "catch", "/entry.sh", "/result", "/hold");
        var id = NewId("exe");
        Rt.CreateAndStart(id, b);
        // the exec'd process runs the runtime's binary again as the interpreter of "#!/proc/self/exe --log=/hold" and
        // stays in the open of the FIFO until the waiting container process has caught it and opens the FIFO too
        var exec = Rt.Exec(["--debug", "exec", id, "/entry.sh"]);

        string result = WaitForFile(b, "result", exec);
        Assert.Equal(before, Sha256(HostBinary));
        AssertRefused(result);
        if (!RepoPaths.IsRunc)
        {
            Assert.Contains(ExeSealDebug, exec.Stderr);
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);

        // control: the exec'd process runs a copy of the binary plainly; the waiting process writes it
        var c = HostileBundle("/attack", "catch", "/entry-control.sh", "/result", "/hold");
        var cid = NewId("exe");
        string copyBefore = Sha256(Path.Combine(c.RootfsPath, "rt-copy"));
        Rt.CreateAndStart(cid, c);
        var controlExec = Rt.Exec("exec", cid, "/entry-control.sh");
        Assert.Equal("wrote OK /rt-copy", WaitForFile(c, "result", controlExec));
        Assert.NotEqual(copyBefore, Sha256(Path.Combine(c.RootfsPath, "rt-copy")));
        Rt.Delete(cid, force: true).AssertSuccess();
        AssertNothingLeaked(cid, c);
        Assert.Equal(before, Sha256(HostBinary));
    }

    /// <summary>The attacker must have failed: skiff's clone is a read-only mount (EROFS on open for writing); runc 1.1
    /// gives EROFS too, a sealed memfd EPERM on write.</summary>
    private static void AssertRefused(string result)
    {
        Assert.False(result.StartsWith("wrote", StringComparison.Ordinal), $"the attacker wrote the runtime's binary: {result}");
        if (RepoPaths.IsRunc)
        {
            Assert.Matches("^(open-wr EROFS|write EPERM) ", result);
        }
        else
        {
            Assert.StartsWith("open-wr EROFS ", result, StringComparison.Ordinal);
        }
    }

    /// <summary>A writable private rootfs with the attacker, a copy of the runtime's binary (/rt-copy), the FIFO /hold,
    /// the entry scripts (#!/proc/self/exe and, for the control, #!/rt-copy, both logging to /hold) and, for a dynamic
    /// runtime, its loader and libraries.</summary>
    private Bundle HostileBundle(params string[] args)
    {
        var b = NewBundle(args).ReadonlyRoot(false);
        b.Process["env"] = new System.Text.Json.Nodes.JsonArray("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
        string root = b.RootfsPath;
        foreach (string lib in LinkedLibraries(HostBinary))
        {
            string dest = Path.Combine(root, lib.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(lib, dest, overwrite: true); // follows the symlink: the library itself
        }
        File.Copy(s_attack.Value, Path.Combine(root, "attack"));
        File.Copy(HostBinary, Path.Combine(root, "rt-copy"));
        Run("mkfifo", Path.Combine(root, "hold"));
        WriteScript(Path.Combine(root, "entry.sh"), "#!/proc/self/exe --log=/hold\n");
        WriteScript(Path.Combine(root, "entry-control.sh"), "#!/rt-copy --log=/hold\n");
        return b;
    }

    /// <summary>Waits for the attacker's report <paramref name="name"/> in the rootfs (it writes it under another name
    /// and renames it); a report that never comes fails with <paramref name="exec"/>'s output.</summary>
    private static string WaitForFile(Bundle b, string name, RunResult? exec = null)
    {
        string path = Path.Combine(b.RootfsPath, name);
        WaitUntil(() => File.Exists(path), $"the attacker reports {name}" +
            (exec is null ? "" : $" ({exec.Describe()} exited {exec.ExitCode}:\n{exec.Stderr})"));
        return File.ReadAllText(path).Trim();
    }

    /// <summary>Polls <paramref name="done"/>; a bound against a hang, not a timed assertion.</summary>
    private static void WaitUntil(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + ResultTimeout;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not seen within {ResultTimeout}: {what}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The pid of host process <paramref name="hostPid"/> in the container's pid namespace.</summary>
    private static string ContainerPid(int hostPid)
    {
        string line = HostProc.Status(hostPid).Split('\n')
            .Single(l => l.StartsWith("NSpid:", StringComparison.Ordinal));
        return line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[^1];
    }

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED /* 0755 */);
    }

    /// <summary>The absolute paths `ldd` prints for <paramref name="binary"/> (libraries and the loader); none for a
    /// static binary, which ldd refuses as "not a dynamic executable".</summary>
    private static IEnumerable<string> LinkedLibraries(string binary)
    {
        var (exit, stdout, stderr) = TryRun("ldd", binary);
        if (exit != 0 && (stdout + stderr).Contains("not a dynamic executable", StringComparison.Ordinal))
        {
            yield break;
        }
        Assert.True(exit == 0, $"ldd {binary} failed ({exit}): {stderr}");
        foreach (string line in stdout.Split('\n'))
        {
            foreach (string word in line.Split(' ', '\t'))
            {
                if (word.StartsWith('/'))
                {
                    yield return word;
                }
            }
        }
    }

    /// <summary>A copy of the runtime under test in a temp dir (same file name: messages name the program).</summary>
    private static string CopyOfRuntime()
    {
        string dir = Path.Combine(RepoPaths.TempRoot, "rt-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        string copy = Path.Combine(dir, RepoPaths.ProgramName);
        File.Copy(RepoPaths.RuntimePath, copy);
        File.SetUnixFileMode(copy, (UnixFileMode)0x1ED /* 0755 */);
        return copy;
    }

    private static string CompileAttack()
    {
        string src = Path.Combine(RepoPaths.RepoRoot, "tests", "Skiff.IntegrationTests", "Attackers", "attack.c");
        string dir = Path.Combine(RepoPaths.TempRoot, "attackers");
        Directory.CreateDirectory(dir);
        string attack = Path.Combine(dir, "attack");
        Run("gcc", "-static", "-O2", "-Wall", "-Werror", "-o", attack, src);
        return attack;
    }

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f));
    }

    private static void Run(string file, params string[] args)
    {
        var (exit, _, stderr) = TryRun(file, args);
        Assert.True(exit == 0, $"{file} {string.Join(' ', args)} failed ({exit}): {stderr}");
    }

    private static (int Exit, string Stdout, string Stderr) TryRun(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}
