using Skiff.LibContainer.Seccomp;
using Skiff.RuntimeSpec;
using Xunit;
using static Skiff.UnitTests.Seccomp.BpfInterpreter;

namespace Skiff.UnitTests.Seccomp;

/// <summary>
/// runc 1.2's -ENOSYS stub, judged by what the patched program returns (runc's enosys_linux_test.go idea): a
/// syscall above the profile's largest one gets ENOSYS, anything else the filter's own verdict.
/// </summary>
public class EnosysStubTests
{
    // x86_64: close_range 436, openat2 437, clone3 435, rseq 334, statx 332, acct 163, mkdir 83, getpid 39.
    private const int NR_acct = 163, NR_statx = 332, NR_rseq = 334, NR_close_range = 436, NR_openat2 = 437;
    private const uint AUDIT_ARCH_X86_64_X32BIT = 0x40000000;
    private const uint ALLOW = 0x7fff0000;
    private static uint ERRNO(uint e) => 0x00050000 | e;
    private const uint ENOSYS = 38, ENXIO = 6, EPERM = 1;

    private static LinuxSeccomp OldProfile(string defaultAction, uint? defaultErrno, params string[] archs) => new()
    {
        DefaultAction = defaultAction,
        DefaultErrnoRet = defaultErrno,
        Architectures = archs.Length == 0 ? null : [.. archs],
        Syscalls = [new LinuxSyscall { Names = ["read", "write", "mkdir", "getpid", "statx"], Action = "SCMP_ACT_ALLOW" }],
    };

    private static byte[] Patched(LinuxSeccomp profile)
    {
        using SeccompProgram p = SeccompFilter.Compile(profile)!;
        return p.PatchedBpf();
    }

    [Fact]
    public void SyscallsNewerThanTheProfileGetEnosysOlderUnlistedOnesTheDefaultErrno()
    {
        byte[] bpf = Patched(OldProfile("SCMP_ACT_ERRNO", ENXIO));
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, NR_close_range));
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, NR_openat2));
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, NR_rseq));
        Assert.Equal(ERRNO(ENXIO), Run(bpf, NR_acct));
        Assert.Equal(ALLOW, Run(bpf, NR_statx)); // the largest named one is still the filter's
        Assert.Equal(ALLOW, Run(bpf, 83));
    }

    [Fact]
    public void EveryArchitectureOfTheProfileHasItsOwnLimit()
    {
        byte[] bpf = Patched(OldProfile("SCMP_ACT_ERRNO", null, "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"));
        // i386: statx is 383, close_range 436
        Assert.Equal(ALLOW, Run(bpf, 383, AUDIT_ARCH_I386));
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, 436, AUDIT_ARCH_I386));
        Assert.Equal(ERRNO(EPERM), Run(bpf, 51 /* i386 acct */, AUDIT_ARCH_I386));
        // x32: numbers carry bit 30; statx is 332 there too
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, (int)(AUDIT_ARCH_X86_64_X32BIT | 436)));
        Assert.Equal(ALLOW, Run(bpf, (int)(AUDIT_ARCH_X86_64_X32BIT | 332)));
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, NR_close_range));
        Assert.Equal(ERRNO(EPERM), Run(bpf, NR_acct));
    }

    [Fact]
    public void AnArchitectureOutsideTheProfileGetsTheBadArchAction()
    {
        byte[] bpf = Patched(OldProfile("SCMP_ACT_ERRNO", null, "SCMP_ARCH_X86_64"));
        Assert.Equal(0u /* KILL_THREAD, libseccomp's bad-arch default */, Run(bpf, 436, AUDIT_ARCH_AARCH64));
    }

    [Theory]
    [InlineData("SCMP_ACT_ALLOW", null)]
    [InlineData("SCMP_ACT_LOG", null)]
    [InlineData("SCMP_ACT_ERRNO", 38u)]
    public void PermissiveOrEnosysDefaultsAreNotPatched(string action, uint? errno)
    {
        var profile = OldProfile(action, errno);
        profile.Syscalls = [new LinuxSyscall { Names = ["mkdir", "statx"], Action = action == "SCMP_ACT_ALLOW" || action == "SCMP_ACT_LOG" ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW" }];
        using SeccompProgram p = SeccompFilter.Compile(profile)!;
        Assert.Empty(p.EnosysStub);
        Assert.Equal(p.ExportBpf(), p.PatchedBpf());
    }

    [Fact]
    public void KillDefaultIsPatchedToo()
    {
        byte[] bpf = Patched(OldProfile("SCMP_ACT_KILL_PROCESS", null));
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, NR_close_range));
        Assert.Equal(0x80000000u, Run(bpf, NR_acct));
    }

    [Fact]
    public void TheNativeArchitectureIsImpliedWhenTheProfileListsOthersOnly()
    {
        byte[] bpf = Patched(OldProfile("SCMP_ACT_ERRNO", null, "SCMP_ARCH_X86"));
        Assert.Equal(ERRNO(ENOSYS), Run(bpf, NR_close_range));
    }
}
