using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// A seccomp profile older than the kernel and the runtime (issue 11, item 1): an allow-list of the syscalls up to
/// Linux 4.18 (rseq, x86_64 number 334) with an errno default. runc 1.2 puts an -ENOSYS stub in front of the filter
/// so that newer syscalls (close_range, openat2, clone3) are "not implemented" rather than denied, and falls back
/// to walking /proc/self/fd when close_range fails. The container must start, run a busybox shell, and see ENOSYS
/// for a newer syscall and the configured errno for an old unlisted one (a static C prober, built here).
/// </summary>
public sealed class SeccompEnosysTests : ContainerTest
{
    private const int LastOldSyscall = 334; // rseq, Linux 4.18
    private const string UnistdHeader = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h";

    private const string ProberSource = """
        #include <errno.h>
        #include <stdio.h>
        #include <unistd.h>
        #include <sys/syscall.h>
        static int probe(long rc) { return rc < 0 ? errno : 0; }
        int main(void)
        {
            errno = 0; printf("close_range=%d\n", probe(syscall(436, 1000, 1000, 0)));
            errno = 0; printf("openat2=%d\n", probe(syscall(437, -100, "/", (void *)0, 0)));
            errno = 0; printf("acct=%d\n", probe(syscall(SYS_acct, (void *)0)));
            errno = 0; printf("getpid=%d\n", probe(syscall(SYS_getpid)));
            return 0;
        }
        """;

    /// <summary>Every x86_64 syscall the kernel headers number up to <see cref="LastOldSyscall"/>, but acct.</summary>
    private static JsonObject OldProfile(uint? defaultErrnoRet)
    {
        var names = new JsonArray();
        foreach (Match m in Regex.Matches(File.ReadAllText(UnistdHeader), @"^#define __NR_(\w+) (\d+)$", RegexOptions.Multiline))
        {
            if (int.Parse(m.Groups[2].Value) <= LastOldSyscall && m.Groups[1].Value != "acct")
            {
                names.Add(m.Groups[1].Value);
            }
        }
        Assert.True(names.Count > 300, "the kernel headers list the old syscalls");
        Assert.DoesNotContain(names, n => n!.GetValue<string>() is "close_range" or "openat2" or "clone3" or "acct");
        var profile = new JsonObject
        {
            ["defaultAction"] = "SCMP_ACT_ERRNO",
            ["architectures"] = new JsonArray("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"),
            ["syscalls"] = new JsonArray(new JsonObject { ["names"] = names, ["action"] = "SCMP_ACT_ALLOW" }),
        };
        if (defaultErrnoRet is uint e)
        {
            profile["defaultErrnoRet"] = e;
        }
        return profile;
    }

    private string BuildProber()
    {
        var dir = Directory.CreateTempSubdirectory("skiff-it-prober-").FullName;
        File.WriteAllText(Path.Combine(dir, "prober.c"), ProberSource);
        var psi = new ProcessStartInfo("gcc", ["-static", "-O1", "-o", Path.Combine(dir, "prober"), Path.Combine(dir, "prober.c")])
        {
            RedirectStandardError = true,
        };
        using var gcc = Process.Start(psi)!;
        var err = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, "gcc -static: " + err);
        _dirs.Add(dir);
        return dir;
    }

    private readonly List<string> _dirs = new();

    public override void Dispose()
    {
        base.Dispose();
        foreach (var d in _dirs)
        {
            Runtime.TryDelete(d);
        }
    }

    [Theory]
    [InlineData(true, 6u)]     // ENXIO via defaultErrnoRet, filter loaded last (no_new_privs)
    [InlineData(false, null)]  // EPERM, filter loaded before the capabilities are dropped
    public void AnOldProfileStartsAndNewerSyscallsAreNotImplemented(bool noNewPrivs, uint? defaultErrnoRet)
    {
        var prober = BuildProber();
        var b = NewBundle().NoNewPrivileges(noNewPrivs).AddMount("/probe", "bind", prober, "bind", "ro");
        b.Linux["seccomp"] = OldProfile(defaultErrnoRet);
        var output = RunShell(b, "echo shell-ok; ls / > /dev/null && echo ls-ok; grep ^Seccomp: /proc/self/status; /probe/prober");
        Assert.Contains("shell-ok", output);
        Assert.Contains("ls-ok", output);
        Assert.Contains("Seccomp:\t2", output);
        Assert.Contains("close_range=38\n", output); // ENOSYS
        Assert.Contains("openat2=38\n", output);
        Assert.Contains($"acct={defaultErrnoRet ?? 1}\n", output); // the profile's errno
        Assert.Contains("getpid=0\n", output);
    }

    [Fact]
    public void ACloseRangeDeniedWithEpermFallsBackToWalkingProcSelfFd()
    {
        // close_range named in the profile with errno EPERM: the stub leaves it to the rule, so skiff's own
        // close_range fails with EPERM and must fall back to /proc/self/fd (runc's CloseExecFrom)
        var prober = BuildProber();
        var b = NewBundle().AddMount("/probe", "bind", prober, "bind", "ro");
        var profile = OldProfile(6);
        profile["syscalls"]!.AsArray().Add(new JsonObject
        {
            ["names"] = new JsonArray("close_range"),
            ["action"] = "SCMP_ACT_ERRNO",
            ["errnoRet"] = 1,
        });
        b.Linux["seccomp"] = profile;
        var output = RunShell(b, "/probe/prober");
        Assert.Contains("close_range=1\n", output); // the rule's EPERM
        Assert.Contains("openat2=38\n", output);    // newer than close_range: still ENOSYS
        Assert.Contains("acct=6\n", output);
    }
}
