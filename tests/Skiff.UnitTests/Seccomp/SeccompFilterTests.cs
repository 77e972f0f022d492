using Skiff.RuntimeSpec.Json;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Skiff.LibContainer;
using Skiff.LibContainer.Seccomp;
using Skiff.Linux;
using Skiff.RuntimeSpec;
using Xunit;
using static Skiff.UnitTests.Seccomp.BpfInterpreter;

namespace Skiff.UnitTests.Seccomp;

public class SeccompFilterTests
{
    // x86_64 syscall numbers used below.
    private const int NR_write = 1, NR_socket = 41, NR_getpid = 39, NR_mkdir = 83, NR_rmdir = 84, NR_personality = 135,
        NR_reboot = 169, NR_create_module = 174, NR_kexec_load = 246, NR_i386_mkdir = 39;

    private const uint ALLOW = 0x7fff0000, KILL_THREAD = 0, KILL_PROCESS = 0x80000000, TRAP = 0x00030000,
        LOG = 0x7ffc0000, NOTIFY = 0x7fc00000;
    private static uint ERRNO(uint e) => 0x00050000 | e;
    private static uint TRACE(uint e) => 0x7ff00000 | e;

    internal static LinuxSeccomp Profile(string defaultAction, params LinuxSyscall[] calls) =>
        new() { DefaultAction = defaultAction, Syscalls = [.. calls] };

    internal static LinuxSyscall Call(string action, string name, uint? errnoRet = null, params LinuxSeccompArg[] args) =>
        new() { Names = [name], Action = action, ErrnoRet = errnoRet, Args = args.Length == 0 ? null : [.. args] };

    private static LinuxSeccompArg Arg(uint index, string op, ulong value, ulong valueTwo = 0) =>
        new() { Index = index, Op = op, Value = value, ValueTwo = valueTwo };

    private static byte[] Bpf(LinuxSeccomp profile)
    {
        using SeccompProgram program = SeccompFilter.Compile(profile)!;
        return program.ExportBpf();
    }

    private static string CompileError(LinuxSeccomp profile)
    {
        var ex = Assert.ThrowsAny<ContainerException>(() => SeccompFilter.Compile(profile)?.Dispose());
        return ErrorText.Render(ex);
    }

    [Fact]
    public void ScmpArgCmpHasLibseccompsLayout()
    {
        Assert.Equal(24, Marshal.SizeOf<ScmpArgCmp>());
        Assert.Equal(24, Unsafe.SizeOf<ScmpArgCmp>());
        Assert.Equal(0, (int)Marshal.OffsetOf<ScmpArgCmp>(nameof(ScmpArgCmp.Arg)));
        Assert.Equal(4, (int)Marshal.OffsetOf<ScmpArgCmp>(nameof(ScmpArgCmp.Op)));
        Assert.Equal(8, (int)Marshal.OffsetOf<ScmpArgCmp>(nameof(ScmpArgCmp.DatumA)));
        Assert.Equal(16, (int)Marshal.OffsetOf<ScmpArgCmp>(nameof(ScmpArgCmp.DatumB)));
    }

    [Fact]
    public void LibseccompLoadsAndResolvesNames()
    {
        Assert.True(Libseccomp.TryLoad(out string? error), error);
        Assert.StartsWith("2.", Libseccomp.Version());
        Assert.Equal(NR_mkdir, Libseccomp.SyscallResolveName("mkdir"));
        Assert.Equal(Libseccomp.__NR_SCMP_ERROR, Libseccomp.SyscallResolveName("no_such_syscall"));
        Assert.Equal(AUDIT_ARCH_X86_64, Libseccomp.ArchResolveName("x86_64"));
        Assert.Equal(AUDIT_ARCH_X86_64, Libseccomp.ArchNative());
    }

    [Fact]
    public void KnownNamesAreRuncs()
    {
        Assert.Equal(["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
            "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"], SeccompNames.KnownActions());
        Assert.Equal(["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ",
            "SCMP_CMP_NE"], SeccompNames.KnownOperators());
        Assert.Equal(18, SeccompNames.KnownArchitectures().Length);
        Assert.Equal(["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
            SeccompNames.KnownFlags());
    }

    [Fact]
    public void NoDefaultActionAndNoSyscallsMeansNoFilter()
    {
        Assert.Null(SeccompFilter.Compile(null));
        Assert.Null(SeccompFilter.Compile(new LinuxSeccomp()));
        Assert.False(SeccompFilter.IsEnabled(new LinuxSeccomp { Syscalls = [] }));
        Assert.True(SeccompFilter.IsEnabled(Profile("SCMP_ACT_ALLOW")));
    }

    [Fact]
    public void DefaultErrnoIsEpermUnlessDefaultErrnoRet()
    {
        Assert.Equal(ERRNO(1), Run(Bpf(Profile("SCMP_ACT_ERRNO")), NR_getpid));
        var p = Profile("SCMP_ACT_ERRNO");
        p.DefaultErrnoRet = 38;
        Assert.Equal(ERRNO(38), Run(Bpf(p), NR_getpid));
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL", null, KILL_THREAD)]
    [InlineData("SCMP_ACT_KILL_THREAD", null, KILL_THREAD)]
    [InlineData("SCMP_ACT_KILL_PROCESS", null, KILL_PROCESS)]
    [InlineData("SCMP_ACT_TRAP", null, TRAP)]
    [InlineData("SCMP_ACT_ERRNO", null, 0x00050001u)]
    [InlineData("SCMP_ACT_ERRNO", 13u, 0x0005000du)]
    [InlineData("SCMP_ACT_TRACE", null, 0x7ff00001u)]
    [InlineData("SCMP_ACT_TRACE", 7u, 0x7ff00007u)]
    [InlineData("SCMP_ACT_LOG", null, LOG)]
    [InlineData("SCMP_ACT_NOTIFY", null, NOTIFY)]
    [InlineData("SCMP_ACT_TRAP", 5u, TRAP)] // errnoRet means nothing for other actions: ignored, as runc does
    public void EveryRuleActionCompilesToItsValue(string action, uint? errnoRet, uint expected)
    {
        byte[] bpf = Bpf(Profile("SCMP_ACT_ALLOW", Call(action, "mkdir", errnoRet)));
        Assert.Equal(expected, Run(bpf, NR_mkdir));
        Assert.Equal(ALLOW, Run(bpf, NR_rmdir));
    }

    [Theory]
    [InlineData("SCMP_ACT_KILL", KILL_THREAD)]
    [InlineData("SCMP_ACT_KILL_THREAD", KILL_THREAD)]
    [InlineData("SCMP_ACT_KILL_PROCESS", KILL_PROCESS)]
    [InlineData("SCMP_ACT_TRAP", TRAP)]
    [InlineData("SCMP_ACT_ERRNO", 0x00050001u)]
    [InlineData("SCMP_ACT_TRACE", 0x7ff00001u)]
    [InlineData("SCMP_ACT_LOG", LOG)]
    [InlineData("SCMP_ACT_ALLOW", ALLOW)]
    public void EveryDefaultActionCompiles(string action, uint expected)
    {
        string rule = action == "SCMP_ACT_ALLOW" ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW";
        byte[] bpf = Bpf(Profile(action, Call(rule, "mkdir")));
        Assert.Equal(expected, Run(bpf, NR_rmdir));
        Assert.NotEqual(expected, Run(bpf, NR_mkdir));
    }

    [Fact]
    public void RuleWithTheDefaultActionIsSkipped()
    {
        byte[] none = Bpf(Profile("SCMP_ACT_ERRNO"));
        Assert.Equal(none, Bpf(Profile("SCMP_ACT_ERRNO", Call("SCMP_ACT_ERRNO", "mkdir"))));
        Assert.Equal(none, Bpf(Profile("SCMP_ACT_ERRNO", Call("SCMP_ACT_ERRNO", "mkdir", errnoRet: 1))));
        Assert.Equal(Bpf(Profile("SCMP_ACT_KILL")), Bpf(Profile("SCMP_ACT_KILL", Call("SCMP_ACT_KILL_THREAD", "mkdir"))));
        // Another errno is another action.
        byte[] other = Bpf(Profile("SCMP_ACT_ERRNO", Call("SCMP_ACT_ERRNO", "mkdir", errnoRet: 2)));
        Assert.NotEqual(none, other);
        Assert.Equal(ERRNO(2), Run(other, NR_mkdir));
    }

    [Fact]
    public void BpfIsNonEmptyAndChangesWithTheRules()
    {
        byte[] a = Bpf(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir")));
        byte[] b = Bpf(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir"), Call("SCMP_ACT_ERRNO", "rmdir")));
        byte[] c = Bpf(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir", errnoRet: 13)));
        Assert.NotEmpty(a);
        Assert.Equal(0, a.Length % 8);
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(a, Bpf(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir"))));
    }

    [Fact]
    public void OneEntryWithManyNamesIsOneRulePerName()
    {
        var p = Profile("SCMP_ACT_ALLOW", new LinuxSyscall { Names = ["mkdir", "rmdir"], Action = "SCMP_ACT_ERRNO" });
        byte[] bpf = Bpf(p);
        Assert.Equal(ERRNO(1), Run(bpf, NR_mkdir));
        Assert.Equal(ERRNO(1), Run(bpf, NR_rmdir));
        Assert.Equal(ALLOW, Run(bpf, NR_getpid));
    }

    [Theory]
    [InlineData("SCMP_CMP_NE", 10ul, 0ul, 11ul, 10ul)]
    [InlineData("SCMP_CMP_LT", 10ul, 0ul, 9ul, 10ul)]
    [InlineData("SCMP_CMP_LE", 10ul, 0ul, 10ul, 11ul)]
    [InlineData("SCMP_CMP_EQ", 10ul, 0ul, 10ul, 11ul)]
    [InlineData("SCMP_CMP_GE", 10ul, 0ul, 10ul, 9ul)]
    [InlineData("SCMP_CMP_GT", 10ul, 0ul, 11ul, 10ul)]
    [InlineData("SCMP_CMP_MASKED_EQ", 0x1c0ul, 0x1c0ul, 0x1edul /* 0755 */, 0x1adul /* 0655 */)]
    [InlineData("SCMP_CMP_EQ", 0x1_0000_0001ul, 0ul, 0x1_0000_0001ul, 0x1ul)] // all 64 bits compared
    public void EveryOperatorCompares(string op, ulong value, ulong valueTwo, ulong hit, ulong miss)
    {
        byte[] bpf = Bpf(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir", null, Arg(1, op, value, valueTwo))));
        Assert.Equal(ERRNO(1), Run(bpf, NR_mkdir, AUDIT_ARCH_X86_64, 0, hit));
        Assert.Equal(ALLOW, Run(bpf, NR_mkdir, AUDIT_ARCH_X86_64, 0, miss));
    }

    [Fact]
    public void ComparisonsOfOneArgumentAreOredAsSeparateRules()
    {
        byte[] bpf = Bpf(Profile("SCMP_ACT_ERRNO",
            Call("SCMP_ACT_ALLOW", "personality", null, Arg(0, "SCMP_CMP_EQ", 0), Arg(0, "SCMP_CMP_EQ", 8))));
        Assert.Equal(ALLOW, Run(bpf, NR_personality, AUDIT_ARCH_X86_64, 0));
        Assert.Equal(ALLOW, Run(bpf, NR_personality, AUDIT_ARCH_X86_64, 8));
        Assert.Equal(ERRNO(1), Run(bpf, NR_personality, AUDIT_ARCH_X86_64, 9));
    }

    [Fact]
    public void ComparisonsOfDifferentArgumentsAreAnded()
    {
        byte[] bpf = Bpf(Profile("SCMP_ACT_ERRNO",
            Call("SCMP_ACT_ALLOW", "socket", null, Arg(0, "SCMP_CMP_EQ", 1), Arg(1, "SCMP_CMP_EQ", 1))));
        Assert.Equal(ALLOW, Run(bpf, NR_socket, AUDIT_ARCH_X86_64, 1, 1));
        Assert.Equal(ERRNO(1), Run(bpf, NR_socket, AUDIT_ARCH_X86_64, 1, 2));
        Assert.Equal(ERRNO(1), Run(bpf, NR_socket, AUDIT_ARCH_X86_64, 2, 1));
    }

    [Fact]
    public void UnknownSyscallNamesAreSkipped()
    {
        byte[] bpf = Bpf(Profile("SCMP_ACT_ALLOW",
            new LinuxSyscall { Names = ["no_such_syscall", "mkdir"], Action = "SCMP_ACT_ERRNO" }));
        Assert.Equal(ERRNO(1), Run(bpf, NR_mkdir));
        Assert.Equal(Bpf(Profile("SCMP_ACT_ALLOW")), Bpf(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "no_such_syscall"))));
    }

    [Fact]
    public void ArchitecturesAddTheirSyscallTables()
    {
        var p = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir"));
        byte[] nativeOnly = Bpf(p);
        Assert.NotEqual(ALLOW, Run(nativeOnly, NR_i386_mkdir, AUDIT_ARCH_I386)); // a foreign arch gets the bad-arch kill

        p.Architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];
        byte[] multi = Bpf(p);
        Assert.Equal(ERRNO(1), Run(multi, NR_i386_mkdir, AUDIT_ARCH_I386));
        Assert.Equal(ALLOW, Run(multi, 40 /* i386 rmdir */, AUDIT_ARCH_I386));
        Assert.Equal(ERRNO(1), Run(multi, NR_mkdir));
        Assert.Equal(ERRNO(1), Run(multi, NR_mkdir | 0x40000000 /* x32 */));
        Assert.NotEqual(ALLOW, Run(multi, NR_mkdir, AUDIT_ARCH_AARCH64));
    }

    public static TheoryData<string> ArchNames() => [.. SeccompNames.KnownArchitectures()];

    [Theory]
    [MemberData(nameof(ArchNames))]
    public void EveryArchitectureNameIsAccepted(string arch)
    {
        var p = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir"));
        p.Architectures = [arch];
        Assert.NotNull(SeccompFilter.Convert(p));
        try
        {
            Assert.NotEmpty(Bpf(p));
        }
        catch (ContainerException ex) when (arch == "SCMP_ARCH_LOONGARCH64")
        {
            // libseccomp 2.5 predates loongarch64 (2.6 has it).
            Assert.Equal("error validating Seccomp architecture: cannot convert unrecognized string loongarch64",
                ErrorText.Render(ex));
        }
        catch (ContainerException ex) when (ex.Has(Errno.EDOM))
        {
            // One filter cannot mix byte orders: big-endian ABIs are refused on x86_64, by runc too.
            Assert.StartsWith("error adding architecture to seccomp filter: seccomp_arch_add ", ErrorText.Render(ex));
            Assert.Contains(arch, new[] { "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_PPC",
                "SCMP_ARCH_PPC64", "SCMP_ARCH_S390", "SCMP_ARCH_S390X" });
        }
    }

    [Theory]
    [InlineData("SECCOMP_FILTER_FLAG_LOG")]
    [InlineData("SECCOMP_FILTER_FLAG_SPEC_ALLOW")]
    [InlineData("SECCOMP_FILTER_FLAG_TSYNC")]
    public void EveryKnownFlagIsAccepted(string flag)
    {
        var p = Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir"));
        p.Flags = [flag];
        Assert.Equal(ERRNO(1), Run(Bpf(p), NR_mkdir));
        p.Flags = [];
        Assert.Equal(ERRNO(1), Run(Bpf(p), NR_mkdir));
    }

    [Fact]
    public void FlagsNullAndEmptyAreDistinct()
    {
        Assert.Null(SeccompFilter.Convert(Profile("SCMP_ACT_ALLOW"))!.Flags);
        var p = Profile("SCMP_ACT_ALLOW");
        p.Flags = [];
        Assert.Empty(SeccompFilter.Convert(p)!.Flags!);
    }

    [Fact]
    public void ErrorsUseRuncsTexts()
    {
        Assert.Equal("string SCMP_ACT_NOPE is not a valid action for seccomp", CompileError(Profile("SCMP_ACT_NOPE")));
        Assert.Equal("string  is not a valid action for seccomp", CompileError(Profile("", Call("SCMP_ACT_ALLOW", "mkdir"))));
        Assert.Equal("string SCMP_ACT_NOPE is not a valid action for seccomp",
            CompileError(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_NOPE", "mkdir"))));
        Assert.Equal("string SCMP_CMP_NOPE is not a valid operator for seccomp",
            CompileError(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir", null, Arg(0, "SCMP_CMP_NOPE", 1)))));

        var arch = Profile("SCMP_ACT_ALLOW");
        arch.Architectures = ["SCMP_ARCH_VAX"];
        Assert.Equal("string SCMP_ARCH_VAX is not a valid arch for seccomp", CompileError(arch));

        var flag = Profile("SCMP_ACT_ALLOW");
        flag.Flags = ["SECCOMP_FILTER_FLAG_NOPE"];
        Assert.Equal("seccomp flag SECCOMP_FILTER_FLAG_NOPE is not known to skiff", CompileError(flag));

        Assert.Equal("error creating seccomp syscall condition for syscall mkdir: syscalls only have up to 6 arguments (6 given)",
            CompileError(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir", null, Arg(6, "SCMP_CMP_EQ", 1)))));
        Assert.Equal("empty string is not a valid syscall",
            CompileError(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", ""))));
        Assert.Equal("SCMP_ACT_NOTIFY cannot be used as default action", CompileError(Profile("SCMP_ACT_NOTIFY")));
        Assert.Equal("SCMP_ACT_NOTIFY cannot be used for the write syscall",
            CompileError(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_NOTIFY", "write"))));
    }

    [Fact]
    public void ValidationNeedsNoLibseccompAndReportsTheFirstError()
    {
        // Flags are checked first, then architectures, the default action, then each rule (runc's specconv order).
        var p = Profile("SCMP_ACT_NOPE", Call("SCMP_ACT_NOPE2", "mkdir"));
        p.Architectures = ["SCMP_ARCH_VAX"];
        p.Flags = ["BAD"];
        Assert.Equal("seccomp flag BAD is not known to skiff", Assert.Throws<ContainerException>(() => SeccompFilter.Convert(p)).Message);
        p.Flags = null;
        Assert.Equal("string SCMP_ARCH_VAX is not a valid arch for seccomp", Assert.Throws<ContainerException>(() => SeccompFilter.Convert(p)).Message);
        p.Architectures = null;
        Assert.Equal("string SCMP_ACT_NOPE is not a valid action for seccomp", Assert.Throws<ContainerException>(() => SeccompFilter.Convert(p)).Message);
        p.DefaultAction = "SCMP_ACT_ALLOW";
        Assert.Equal("string SCMP_ACT_NOPE2 is not a valid action for seccomp", Assert.Throws<ContainerException>(() => SeccompFilter.Convert(p)).Message);
    }

    [Fact]
    public void NotifyRulesAreFlagged()
    {
        using SeccompProgram? withNotify = SeccompFilter.Compile(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_NOTIFY", "mkdir")));
        using SeccompProgram? without = SeccompFilter.Compile(Profile("SCMP_ACT_ALLOW", Call("SCMP_ACT_ERRNO", "mkdir")));
        Assert.True(withNotify!.HasNotify);
        Assert.False(without!.HasNotify);
    }

    internal static string Fixture(string name, [CallerFilePath] string here = "")
    {
        string beside = Path.Combine(Path.GetDirectoryName(here) ?? ".", "..", "..", "fixtures", "seccomp", name);
        if (File.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "tests", "fixtures", "seccomp", name);
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException(name);
    }

    [Fact]
    public void DockersDefaultProfileCompiles()
    {
        LinuxSeccomp profile = Skiff.RuntimeSpec.GoJson.GoJsonDecoder.Decode<LinuxSeccomp>(File.ReadAllBytes(Fixture("docker-default-amd64.oci.json")), SpecShapes.LinuxSeccomp)!;
        Assert.True(profile.Syscalls!.Count > 10);
        byte[] bpf = Bpf(profile);
        Assert.True(bpf.Length > 800);
        Assert.Equal(ALLOW, Run(bpf, NR_getpid));
        Assert.Equal(ALLOW, Run(bpf, NR_mkdir));
        Assert.Equal(ALLOW, Run(bpf, NR_write));
        Assert.Equal(ERRNO(1), Run(bpf, NR_kexec_load));
        Assert.Equal(ALLOW, Run(bpf, NR_reboot)); // containers-common allows reboot (the pid namespace contains it)
        Assert.Equal(ERRNO(38), Run(bpf, NR_create_module)); // not listed: defaultErrnoRet ENOSYS
        Assert.Equal(ALLOW, Run(bpf, NR_personality, AUDIT_ARCH_X86_64, 0x20000));
        Assert.Equal(ERRNO(38), Run(bpf, NR_personality, AUDIT_ARCH_X86_64, 7));
        Assert.Equal(ALLOW, Run(bpf, NR_i386_mkdir, AUDIT_ARCH_I386));
        Assert.NotEqual(ALLOW, Run(bpf, NR_mkdir, AUDIT_ARCH_AARCH64));
    }

    [Fact]
    public void ContainersCommonSourceProfileAlsoCompiles()
    {
        // The docker-format file (archMap, includes/excludes are not OCI fields and are ignored): every rule applies.
        LinuxSeccomp profile = Skiff.RuntimeSpec.GoJson.GoJsonDecoder.Decode<LinuxSeccomp>(File.ReadAllBytes(Fixture("containers-common-0.50.1.json")), SpecShapes.LinuxSeccomp)!;
        Assert.Equal(ALLOW, Run(Bpf(profile), NR_getpid));
    }
}

public class SeccompWaitKillableTests
{
    private static Skiff.RuntimeSpec.LinuxSeccomp Profile(string action, params string[] flags) => new()
    {
        DefaultAction = "SCMP_ACT_ALLOW",
        ListenerPath = "/run/agent.sock",
        Flags = [.. flags],
        Syscalls = [new Skiff.RuntimeSpec.LinuxSyscall { Names = ["mkdir"], Action = action }],
    };

    [Fact]
    public void WaitKillableRecvMakesSkiffLoadTheFilterWithTheKernelFlags()
    {
        using var p = Skiff.LibContainer.Seccomp.SeccompFilter.Compile(
            Profile("SCMP_ACT_NOTIFY", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_LOG"))!;
        // NEW_LISTENER | WAIT_KILLABLE_RECV | LOG
        Assert.Equal(8u | 32u | 2u, p.LoadFlags);
    }

    [Fact]
    public void WithoutANotifyRuleTheFlagHasNothingToApplyTo()
    {
        using var p = Skiff.LibContainer.Seccomp.SeccompFilter.Compile(
            Profile("SCMP_ACT_ERRNO", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))!;
        Assert.Equal(0u, p.LoadFlags);
    }
}
