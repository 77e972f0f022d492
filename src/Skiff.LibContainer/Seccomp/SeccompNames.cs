using static Skiff.Linux.Libseccomp;

namespace Skiff.LibContainer.Seccomp;

/// <summary>
/// The OCI names runc accepts (libcontainer/seccomp/config.go) and what they become in libseccomp. Also what
/// `skiff features` lists.
/// </summary>
internal static class SeccompNames
{
    /// <summary>An action kind before its errno is applied.</summary>
    internal enum ActionKind { KillThread, KillProcess, Trap, Errno, Trace, Allow, Log, Notify }

    internal static readonly IReadOnlyDictionary<string, ActionKind> Actions = new Dictionary<string, ActionKind>
    {
        ["SCMP_ACT_KILL"] = ActionKind.KillThread,
        ["SCMP_ACT_KILL_THREAD"] = ActionKind.KillThread,
        ["SCMP_ACT_KILL_PROCESS"] = ActionKind.KillProcess,
        ["SCMP_ACT_TRAP"] = ActionKind.Trap,
        ["SCMP_ACT_ERRNO"] = ActionKind.Errno,
        ["SCMP_ACT_TRACE"] = ActionKind.Trace,
        ["SCMP_ACT_ALLOW"] = ActionKind.Allow,
        ["SCMP_ACT_LOG"] = ActionKind.Log,
        ["SCMP_ACT_NOTIFY"] = ActionKind.Notify,
    };

    internal static readonly IReadOnlyDictionary<string, int> Operators = new Dictionary<string, int>
    {
        ["SCMP_CMP_NE"] = SCMP_CMP_NE,
        ["SCMP_CMP_LT"] = SCMP_CMP_LT,
        ["SCMP_CMP_LE"] = SCMP_CMP_LE,
        ["SCMP_CMP_EQ"] = SCMP_CMP_EQ,
        ["SCMP_CMP_GE"] = SCMP_CMP_GE,
        ["SCMP_CMP_GT"] = SCMP_CMP_GT,
        ["SCMP_CMP_MASKED_EQ"] = SCMP_CMP_MASKED_EQ,
    };

    /// <summary>OCI architecture → libseccomp's name for seccomp_arch_resolve_name.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Architectures = new Dictionary<string, string>
    {
        ["SCMP_ARCH_X86"] = "x86",
        ["SCMP_ARCH_X86_64"] = "x86_64",
        ["SCMP_ARCH_X32"] = "x32",
        ["SCMP_ARCH_ARM"] = "arm",
        ["SCMP_ARCH_AARCH64"] = "aarch64",
        ["SCMP_ARCH_MIPS"] = "mips",
        ["SCMP_ARCH_MIPS64"] = "mips64",
        ["SCMP_ARCH_MIPS64N32"] = "mips64n32",
        ["SCMP_ARCH_MIPSEL"] = "mipsel",
        ["SCMP_ARCH_MIPSEL64"] = "mipsel64",
        ["SCMP_ARCH_MIPSEL64N32"] = "mipsel64n32",
        ["SCMP_ARCH_PPC"] = "ppc",
        ["SCMP_ARCH_PPC64"] = "ppc64",
        ["SCMP_ARCH_PPC64LE"] = "ppc64le",
        ["SCMP_ARCH_RISCV64"] = "riscv64",
        ["SCMP_ARCH_S390"] = "s390",
        ["SCMP_ARCH_S390X"] = "s390x",
        ["SCMP_ARCH_LOONGARCH64"] = "loongarch64",
    };

    public const string FlagTsync = "SECCOMP_FILTER_FLAG_TSYNC";
    public const string FlagLog = "SECCOMP_FILTER_FLAG_LOG";
    public const string FlagSpecAllow = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
    public const string FlagWaitKillableRecv = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";

    /// <summary>The flags runc 1.2 knows (TSYNC is accepted and ignored: the filter is for the exec thread).</summary>
    internal static readonly string[] Flags = [FlagTsync, FlagSpecAllow, FlagLog, FlagWaitKillableRecv];

    /// <summary>Sorted, as `runc features` prints them.</summary>
    public static string[] KnownActions() => [.. Actions.Keys.Order(StringComparer.Ordinal)];
    public static string[] KnownOperators() => [.. Operators.Keys.Order(StringComparer.Ordinal)];
    public static string[] KnownArchitectures() => [.. Architectures.Keys.Order(StringComparer.Ordinal)];
    public static string[] KnownFlags() => [.. Flags];

    /// <summary>The libseccomp action value (runc's getAction: errnoRet applies to ERRNO and TRACE only, default EPERM).</summary>
    internal static uint ActionValue(ActionKind kind, uint? errnoRet) => kind switch
    {
        ActionKind.KillThread => SCMP_ACT_KILL_THREAD,
        ActionKind.KillProcess => SCMP_ACT_KILL_PROCESS,
        ActionKind.Trap => SCMP_ACT_TRAP,
        ActionKind.Errno => SCMP_ACT_ERRNO(errnoRet ?? 1 /* EPERM */),
        ActionKind.Trace => SCMP_ACT_TRACE(errnoRet ?? 1 /* EPERM */),
        ActionKind.Allow => SCMP_ACT_ALLOW,
        ActionKind.Log => SCMP_ACT_LOG,
        ActionKind.Notify => SCMP_ACT_NOTIFY,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
