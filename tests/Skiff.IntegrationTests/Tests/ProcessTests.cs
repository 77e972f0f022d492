using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>process.*: args, env, cwd, user, umask, noNewPrivileges, oomScoreAdj, rlimits.</summary>
public sealed class ProcessTests : ContainerTest
{
    private static string StatusLine(string status, string key) =>
        status.Split('\n').Single(l => l.StartsWith(key + ":", StringComparison.Ordinal))[(key.Length + 1)..].Trim();

    [Fact]
    public void ArgsArePassedVerbatim()
    {
        var b = NewBundle("sh", "-c", "for a in \"$@\"; do echo \"[$a]\"; done", "sh", "one two", "", "three");
        var id = NewId();
        var r = Rt.Run(id, b).AssertSuccess();
        Assert.Equal("[one two]\n[]\n[three]\n", r.Stdout);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void EnvIsExactlyTheConfigsPlusHome()
    {
        var b = NewBundle().Env("FOO", "bar baz").Env("PATH", "/bin:/usr/bin");
        var output = RunShell(b, "env | sort");
        var env = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        Assert.Contains("FOO=bar baz", env);
        Assert.Contains("PATH=/bin:/usr/bin", env);
        Assert.Contains("HOME=/root", env); // from /etc/passwd when the config has no HOME
        Assert.Contains("TERM=xterm", env);
    }

    [Fact]
    public void HomeFromTheConfigWins()
    {
        Assert.Equal("/custom\n", RunShell(NewBundle().Env("HOME", "/custom"), "echo $HOME"));
    }

    [Fact]
    public void TheBinaryIsLookedUpInTheContainersPath()
    {
        var b = NewBundle("busybox", "echo", "found").Env("PATH", "/usr/local/bin:/bin");
        var id = NewId();
        Assert.Equal("found\n", Rt.Run(id, b).AssertSuccess().Stdout);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void CwdIsSet()
    {
        Assert.Equal("/tmp\n", RunShell(NewBundle().Cwd("/tmp"), "pwd"));
    }

    [Fact]
    public void AMissingCwdIsCreated()
    {
        var b = NewBundle().Cwd("/work/dir").ReadonlyRoot(false);
        Assert.Equal("/work/dir\n", RunShell(b, "pwd"));
    }

    [Fact]
    public void UidGidAndAdditionalGids()
    {
        var b = NewBundle().User(1000, 1001, 10, 20);
        var output = RunShell(b, "cat /proc/self/status; echo ID=$(id)");
        Assert.Equal("1000\t1000\t1000\t1000", StatusLine(output, "Uid"));
        Assert.Equal("1001\t1001\t1001\t1001", StatusLine(output, "Gid"));
        Assert.Equal(["10", "20"], StatusLine(output, "Groups").Split(' ', StringSplitOptions.RemoveEmptyEntries).Order());
        Assert.Contains("ID=uid=1000 gid=1001 groups=10,20", output);
    }

    [Fact]
    public void RootHasNoSupplementaryGroupsByDefault()
    {
        var output = RunShell(NewBundle(), "cat /proc/self/status");
        Assert.Equal("0\t0\t0\t0", StatusLine(output, "Uid"));
        Assert.Equal("", StatusLine(output, "Groups"));
    }

    [Fact]
    public void UmaskIsSet()
    {
        Assert.Equal("0077\n", RunShell(NewBundle().Umask(0x3F /* 077 */), "umask"));
    }

    [Fact]
    public void TheDefaultUmaskIs022()
    {
        Assert.Equal("0022\n", RunShell(NewBundle(), "umask"));
    }

    [Theory]
    [InlineData(true, "1")]
    [InlineData(false, "0")]
    public void NoNewPrivileges(bool on, string expected)
    {
        var output = RunShell(NewBundle().NoNewPrivileges(on), "cat /proc/self/status");
        Assert.Equal(expected, StatusLine(output, "NoNewPrivs"));
    }

    [Fact]
    public void OomScoreAdjCanBeRaised()
    {
        var b = NewBundle("sleep", "100").OomScoreAdj(500);
        var id = NewId();
        var created = Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal("500", File.ReadAllText($"/proc/{pid}/oom_score_adj").Trim());
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
        Assert.Equal("500\n", RunShell(NewBundle().OomScoreAdj(500), "cat /proc/self/oom_score_adj"));
        _ = created;
    }

    [Fact(Skip = "lowering oom_score_adj below the caller's needs CAP_SYS_RESOURCE, which root lacks on this machine")]
    public void OomScoreAdjCanBeLowered()
    {
        Assert.Equal("-500\n", RunShell(NewBundle().OomScoreAdj(-500), "cat /proc/self/oom_score_adj"));
    }

    [Fact]
    public void TheSoftNofileLimitCanBeLowered()
    {
        var b = NewBundle().Rlimit("RLIMIT_NOFILE", 1024, 100);
        Assert.Equal("100\n1024\n", RunShell(b, "ulimit -n; ulimit -Hn"));
    }

    [Fact]
    public void OtherRlimitsApply()
    {
        var b = NewBundle().Rlimit("RLIMIT_NPROC", 500, 400).Rlimit("RLIMIT_CORE", 0, 0);
        var output = RunShell(b, "cat /proc/self/limits");
        var procs = output.Split('\n').Single(l => l.StartsWith("Max processes", StringComparison.Ordinal));
        Assert.Equal(["400", "500"], procs.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2..4]);
        var core = output.Split('\n').Single(l => l.StartsWith("Max core file size", StringComparison.Ordinal));
        Assert.Equal(["0", "0"], core.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4..6]);
    }

    [Fact]
    public void RaisingTheHardLimitAboveTheCallersFails()
    {
        // No CAP_SYS_RESOURCE here: setrlimit above the inherited hard limit fails with EPERM.
        var hard = File.ReadAllLines("/proc/self/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[4];
        var want = ulong.Parse(hard) * 2;
        var b = NewBundle("true").Rlimit("RLIMIT_NOFILE", want, 100);
        var id = NewId();
        Rt.Run(id, b).AssertFailure("error setting rlimit type 7: operation not permitted");
        AssertNothingLeaked(id, b);
    }
}
