using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// linux.seccomp from the OCI spec (runc's seccomp.bats): errno and kill actions seen inside, Docker's default
/// profile under a busybox shell, the filter loaded after capabilities and no_new_privs as runc orders it, and
/// malformed profiles rejected with runc's messages, leaving nothing behind.
/// </summary>
public sealed class SeccompTests : ContainerTest
{
    private static JsonObject Rule(string action, params string[] names) => new()
    {
        ["names"] = new JsonArray(names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
        ["action"] = action,
    };

    private static JsonObject Profile(string defaultAction, params JsonObject[] rules) => new()
    {
        ["defaultAction"] = defaultAction,
        ["syscalls"] = new JsonArray(rules.Cast<JsonNode?>().ToArray()),
    };

    private static Bundle WithSeccomp(Bundle b, JsonObject profile)
    {
        b.Linux["seccomp"] = profile;
        return b;
    }

    [Fact]
    public void ADeniedSyscallFailsWithTheConfiguredErrno()
    {
        var rule = Rule("SCMP_ACT_ERRNO", "mkdir", "mkdirat");
        rule["errnoRet"] = 28; // ENOSPC: nothing else would make mkdir on a fresh tmpfs fail so
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", rule));
        var output = RunShell(b, "mkdir /dev/shm/x 2>&1; echo rc=$?; test -d /dev/shm/x || echo absent; grep ^Seccomp: /proc/self/status");
        Assert.Contains("No space left on device", output);
        Assert.Contains("rc=1", output);
        Assert.Contains("absent", output);
        Assert.Contains("Seccomp:\t2", output);
    }

    [Fact]
    public void AnAllowListWithoutCloseRangeAndOpenat2StillStarts()
    {
        // A hand-written allow-list that names newer syscalls (faccessat2, 439) but not close_range (436) or openat2
        // (437): their errno is the profile's default, EPERM, not the -ENOSYS of a profile older than them. Init
        // marks its fds close-on-exec by walking its fd directory then, opened below its procfs handle with openat.
        string[] allowed =
        [
            "read", "write", "exit", "exit_group", "execve", "brk", "mmap", "arch_prctl", "set_tid_address",
            "rt_sigaction", "rt_sigprocmask", "getpid", "close", "fstat", "newfstatat", "openat", "prctl", "capget",
            "capset", "setuid", "setgid", "setgroups", "getuid", "getgid", "fcntl", "futex", "set_robust_list", "rseq",
            "prlimit64", "mprotect", "munmap", "getrandom", "readlink", "uname", "statfs", "ioctl", "getcwd", "chdir",
            "fchdir", "poll", "sched_getaffinity", "sigaltstack", "rt_sigreturn", "pread64", "access", "faccessat2",
            "dup2", "dup3", "lseek", "getdents64", "nanosleep", "clock_nanosleep", "wait4", "kill",
        ];
        var b = WithSeccomp(NewBundle("echo", "started"), Profile("SCMP_ACT_ERRNO", Rule("SCMP_ACT_ALLOW", allowed)));
        var id = NewId();
        Assert.Equal("started\n", Rt.Run(id, b).AssertSuccess().Stdout);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AnErrnoActionWithoutErrnoRetIsEperm()
    {
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir", "mkdirat")));
        Assert.Contains("Operation not permitted", RunShell(b, "mkdir /dev/shm/x 2>&1; true"));
    }

    [Fact]
    public void AKillActionKills()
    {
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_KILL", "mkdir", "mkdirat")));
        // the subshell dies of SIGSYS (31): 128 + 31
        var output = RunShell(b, "(mkdir /dev/shm/x); echo status=$?; test -d /dev/shm/x || echo absent");
        Assert.Contains("status=159", output);
        Assert.Contains("absent", output);
    }

    [Fact]
    public void AKillProcessActionKillsTheWholeProcess()
    {
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_KILL_PROCESS", "mkdir", "mkdirat")));
        var output = RunShell(b, "(mkdir /dev/shm/x); echo status=$?");
        Assert.Contains("status=159", output);
    }

    [Fact]
    public void DockersDefaultProfileRunsABusyboxShell()
    {
        var profile = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "tests", "fixtures", "seccomp", "docker-default-amd64.oci.json")))!.AsObject();
        var b = WithSeccomp(NewBundle(), profile);
        var output = RunShell(b,
            "echo hello; ls / >/dev/null && echo listed; id -u; cat /proc/self/status | grep -E '^(Seccomp|NoNewPrivs):';" +
            " unshare -m true 2>&1; echo unshare=$?");
        Assert.Contains("hello", output);
        Assert.Contains("listed", output);
        Assert.Contains("Seccomp:\t2", output);
        // unshare is only allowed with CAP_SYS_ADMIN, which the default capabilities lack: the profile says EPERM
        Assert.Contains("unshare=1", output);
        Assert.Contains("Operation not permitted", output);
    }

    [Fact]
    public void WithNoNewPrivilegesTheFilterIsLoadedAfterTheCapabilitiesAndUserAreSet()
    {
        // The syscalls finalizeNamespace needs are denied: only a filter loaded after them lets the container start.
        var denied = Rule("SCMP_ACT_ERRNO", "capset", "setresuid", "setresgid", "setgroups", "setuid", "setgid");
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", denied))
            .NoNewPrivileges(true).User(1000, 1000).Capabilities("CAP_KILL");
        var output = RunShell(b, "grep -E '^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status");
        Assert.Contains("NoNewPrivs:\t1", output);
        Assert.Contains("Seccomp:\t2", output);
        Assert.Matches(@"Uid:\s+1000\s+1000\s+1000\s+1000", output);
        Assert.Contains("CapBnd:\t0000000000000020", output);
    }

    [Fact]
    public void WithoutNoNewPrivilegesTheFilterPrecedesTheCapabilityDrop()
    {
        // runc loads the filter before dropping capabilities when no_new_privs is off (it needs CAP_SYS_ADMIN):
        // a profile denying capset then breaks the start, in skiff as in runc.
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "capset")))
            .NoNewPrivileges(false).Capabilities("CAP_KILL");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("operation not permitted");
        AssertNothingLeaked(id, b);
        // the same profile with no_new_privs runs
        b.NoNewPrivileges(true);
        var ok = NewId();
        Rt.Run(ok, b).AssertSuccess();
        AssertNothingLeaked(ok, b);
    }

    [Fact]
    public void WithoutNoNewPrivilegesTheContainerHasNoNewPrivsOff()
    {
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "mkdir"))).NoNewPrivileges(false);
        var output = RunShell(b, "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status");
        Assert.Contains("NoNewPrivs:\t0", output);
        Assert.Contains("Seccomp:\t2", output);
    }

    [Fact]
    public void ArgumentConditionsSelectTheCall()
    {
        // deny kill(pid, SIGUSR1) only: kill(pid, 0) passes
        var rule = Rule("SCMP_ACT_ERRNO", "kill");
        rule["errnoRet"] = 28;
        rule["args"] = new JsonArray(new JsonObject { ["index"] = 1, ["value"] = 10, ["op"] = "SCMP_CMP_EQ" });
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", rule));
        var output = RunShell(b, "kill -10 $$ 2>&1; echo usr1=$?; kill -0 $$ && echo zero-ok");
        Assert.Contains("usr1=1", output);
        Assert.Contains("zero-ok", output);
    }

    [Theory]
    [InlineData("action", "SCMP_ACT_FOO", "string SCMP_ACT_FOO is not a valid action for seccomp")]
    [InlineData("arch", "SCMP_ARCH_FOO", "string SCMP_ARCH_FOO is not a valid arch for seccomp")]
    [InlineData("op", "SCMP_CMP_FOO", "string SCMP_CMP_FOO is not a valid operator for seccomp")]
    [InlineData("defaultAction", "SCMP_ACT_FOO", "string SCMP_ACT_FOO is not a valid action for seccomp")]
    public void AMalformedProfileIsRejected(string field, string value, string message)
    {
        var rule = Rule("SCMP_ACT_ERRNO", "mkdir");
        var profile = Profile("SCMP_ACT_ALLOW", rule);
        switch (field)
        {
            case "action":
                rule["action"] = value;
                break;
            case "arch":
                profile["architectures"] = new JsonArray(value);
                break;
            case "op":
                rule["args"] = new JsonArray(new JsonObject { ["index"] = 0, ["value"] = 1, ["op"] = value });
                break;
            default:
                profile["defaultAction"] = value;
                break;
        }
        var b = WithSeccomp(NewBundle(), profile);
        var id = NewId();
        Rt.Run(id, b).AssertFailure(message, exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TheDefaultErrnoRetAppliesToTheDefaultAction()
    {
        // an allow-list: everything busybox needs is allowed by Docker's profile; drop mkdir from it
        var profile = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.RepoRoot, "tests", "fixtures", "seccomp", "docker-default-amd64.oci.json")))!.AsObject();
        foreach (var rule in profile["syscalls"]!.AsArray())
        {
            var names = rule!["names"]!.AsArray();
            for (var i = names.Count - 1; i >= 0; i--)
            {
                if (names[i]!.GetValue<string>() is "mkdir" or "mkdirat")
                {
                    names.RemoveAt(i);
                }
            }
        }
        profile["defaultErrnoRet"] = 28;
        var b = WithSeccomp(NewBundle(), profile);
        Assert.Contains("No space left on device", RunShell(b, "mkdir /dev/shm/x 2>&1; true"));
    }

    [Fact]
    public void AProfileOfTheWrongShapeIsRejected()
    {
        var b = NewBundle();
        b.Linux["seccomp"] = new JsonObject { ["defaultAction"] = "SCMP_ACT_ALLOW", ["syscalls"] = "mkdir" };
        var id = NewId();
        Rt.Run(id, b).AssertFailure(exitCode: 1);
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AnUnknownSyscallNameIsIgnored()
    {
        var b = WithSeccomp(NewBundle(), Profile("SCMP_ACT_ALLOW", Rule("SCMP_ACT_ERRNO", "no_such_syscall_xyz", "mkdir", "mkdirat")));
        Assert.Contains("Operation not permitted", RunShell(b, "mkdir /dev/shm/x 2>&1; true"));
    }
}
