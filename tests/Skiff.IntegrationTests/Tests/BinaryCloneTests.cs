using System.Diagnostics;
using System.Security.Cryptography;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// CVE-2019-5736: a hostile image must not overwrite the runtime's binary on the host through /proc/self/exe of
/// `init` (entry point "#!/proc/self/exe") or /proc/PID/exe of an exec'd process. The attackers are real
/// (Attackers/evil.c, an LD_PRELOAD library; Attackers/attack.c, static), the image ships the loader and the
/// libraries `ldd` lists for the runtime, and the runtime under test is a copy in a temp dir, never the build.
/// Each test also runs the same attack against a copy of the binary inside the image executed plainly (#!/rt-copy):
/// the control that the attack writes a binary when it is not a clone. With SKIFF_RUNTIME=/usr/sbin/runc: runc 1.1.5
/// is protected too (a read-only bind, EROFS).
/// </summary>
public sealed class BinaryCloneTests : ContainerTest
{
    private static readonly Lazy<(string EvilSo, string Attack)> s_attackers = new(CompileAttackers);
    private static readonly TimeSpan ResultTimeout = TimeSpan.FromSeconds(90);

    public BinaryCloneTests()
        : base(new Runtime { Binary = CopyOfRuntime() })
    {
    }

    private string HostBinary => Rt.Binary;

    [Fact]
    public void RunEntryProcSelfExeCannotWriteTheHostBinary()
    {
        string before = Sha256(HostBinary);
        var b = HostileBundle("/entry.sh").Env("LD_PRELOAD", "/evil.so").Env("EVIL_MODE", "write").Env("EVIL_RESULT", "/result");
        var id = NewId("exe");
        b.Save();
        var created = Rt.Exec(["--debug", "create", "-b", b.Dir, id]).AssertSuccess();
        Rt.State(id);
        Rt.Start(id).AssertSuccess();

        string result = WaitForResult(b);
        Assert.Equal(before, Sha256(HostBinary));
        AssertRefused(result);
        if (!RepoPaths.IsRunc)
        {
            Assert.Contains("skiff exeseal: using /proc/self/exe clone (read-only detached bind mount)", created.Stderr);
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);

        // control: the same attack against a binary that is executed plainly writes it
        var c = HostileBundle("/entry-control.sh").Env("LD_PRELOAD", "/evil.so").Env("EVIL_MODE", "write").Env("EVIL_RESULT", "/result");
        var cid = NewId("exe");
        string copyBefore = Sha256(Path.Combine(c.RootfsPath, "rt-copy"));
        Rt.CreateAndStart(cid, c);
        Assert.Equal("wrote OK /rt-copy", WaitForResult(c));
        Assert.NotEqual(copyBefore, Sha256(Path.Combine(c.RootfsPath, "rt-copy")));
        Rt.Delete(cid, force: true).AssertSuccess();
        AssertNothingLeaked(cid, c);
        Assert.Equal(before, Sha256(HostBinary));
    }

    [Fact]
    public void ExecProcPidExeCannotWriteTheHostBinary()
    {
        string before = Sha256(HostBinary);
        var b = HostileBundle("/attack", "catch", "/result");
        var id = NewId("exe");
        Rt.CreateAndStart(id, b);
        // the exec'd process runs the runtime binary again as the interpreter of #!/proc/self/exe; evil.so holds it
        // for 2 s so the waiting container process surely opens its /proc/PID/exe
        var exec = Rt.Exec(["--debug", "exec", "-e", "LD_PRELOAD=/evil.so", "-e", "EVIL_MODE=hold", id, "/entry.sh"]);

        string result = WaitForResult(b);
        Assert.Equal(before, Sha256(HostBinary));
        AssertRefused(result);
        if (!RepoPaths.IsRunc)
        {
            Assert.Contains("skiff exeseal: using /proc/self/exe clone (read-only detached bind mount)", exec.Stderr);
        }
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);

        // control: the exec'd process runs a copy of the binary plainly; the waiting process writes it
        var c = HostileBundle("/attack", "catch", "/result");
        var cid = NewId("exe");
        string copyBefore = Sha256(Path.Combine(c.RootfsPath, "rt-copy"));
        Rt.CreateAndStart(cid, c);
        Rt.Exec(["exec", "-e", "LD_PRELOAD=/evil.so", "-e", "EVIL_MODE=hold", cid, "/entry-control.sh"]);
        Assert.Equal("wrote OK /rt-copy", WaitForResult(c));
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

    /// <summary>A writable private rootfs with the loader and libraries of the runtime, the attackers, the entry
    /// scripts (#!/proc/self/exe and, for the control, #!/rt-copy) and a copy of the runtime binary.</summary>
    private Bundle HostileBundle(params string[] args)
    {
        var (evilSo, attack) = s_attackers.Value;
        var b = NewBundle(args).ReadonlyRoot(false);
        b.Process["env"] = new System.Text.Json.Nodes.JsonArray("PATH=/usr/sbin:/usr/bin:/sbin:/bin");
        string root = b.RootfsPath;
        foreach (string lib in LinkedLibraries(HostBinary))
        {
            string dest = Path.Combine(root, lib.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(lib, dest, overwrite: true); // follows the symlink: the library itself
        }
        File.Copy(evilSo, Path.Combine(root, "evil.so"));
        File.Copy(attack, Path.Combine(root, "attack"));
        File.Copy(HostBinary, Path.Combine(root, "rt-copy"));
        WriteScript(Path.Combine(root, "entry.sh"), "#!/proc/self/exe\n");
        WriteScript(Path.Combine(root, "entry-control.sh"), "#!/rt-copy\n");
        return b;
    }

    private string WaitForResult(Bundle b)
    {
        string path = Path.Combine(b.RootfsPath, "result");
        var deadline = DateTime.UtcNow + ResultTimeout;
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the attacker reported nothing within {ResultTimeout}");
            Thread.Sleep(100);
        }
        return File.ReadAllText(path).Trim();
    }

    private static void WriteScript(string path, string text)
    {
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED /* 0755 */);
    }

    /// <summary>The absolute paths `ldd` prints for <paramref name="binary"/> (libraries and the loader).</summary>
    private static IEnumerable<string> LinkedLibraries(string binary)
    {
        string output = Run("ldd", binary);
        foreach (string line in output.Split('\n'))
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

    private static (string, string) CompileAttackers()
    {
        string src = Path.Combine(RepoPaths.RepoRoot, "tests", "Skiff.IntegrationTests", "Attackers");
        string dir = Path.Combine(RepoPaths.TempRoot, "attackers");
        Directory.CreateDirectory(dir);
        string evilSo = Path.Combine(dir, "evil.so"), attack = Path.Combine(dir, "attack");
        Run("gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", evilSo, Path.Combine(src, "evil.c"));
        Run("gcc", "-static", "-O2", "-Wall", "-Werror", "-o", attack, Path.Combine(src, "attack.c"));
        return (evilSo, attack);
    }

    private static string Sha256(string path)
    {
        using var f = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(f));
    }

    private static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}");
        return stdout;
    }
}
