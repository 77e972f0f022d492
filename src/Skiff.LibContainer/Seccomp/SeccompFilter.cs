using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;
using static Skiff.LibContainer.Seccomp.SeccompNames;

namespace Skiff.LibContainer.Seccomp;

/// <summary>
/// The OCI seccomp profile → a libseccomp filter, as runc's specconv.SetupSeccomp (<see cref="Convert"/>: names
/// and flags, no libseccomp needed) and seccomp.InitSeccomp (<see cref="Compile"/>: the filter; loading is
/// <see cref="SeccompProgram.Load"/>). Error texts are runc's.
/// </summary>
internal static class SeccompFilter
{
    /// <summary>Linux system calls have at most 6 arguments.</summary>
    private const int SyscallMaxArguments = 6;

    /// <summary>libseccomp API level needed for SCMP_ACT_NOTIFY (runc: 6, notify with TSYNC).</summary>
    private const uint NotifyApiLevel = 6;

    /// <summary>
    /// Whether <paramref name="seccomp"/> asks for a filter at all (runc: no defaultAction and no syscalls means
    /// seccomp disabled).
    /// </summary>
    public static bool IsEnabled(LinuxSeccomp? seccomp) =>
        seccomp is not null && (seccomp.DefaultAction.Length > 0 || seccomp.Syscalls is { Count: > 0 });

    /// <summary>
    /// Validates and converts the profile (runc's specconv.SetupSeccomp). Null when seccomp is disabled.
    /// Throws <see cref="ContainerException"/> for unknown flags, architectures, actions and operators.
    /// </summary>
    public static SeccompConfig? Convert(LinuxSeccomp? seccomp)
    {
        if (seccomp is null || !IsEnabled(seccomp)) return null;

        List<string>? flags = null;
        if (seccomp.Flags is not null)
        {
            flags = [];
            foreach (string flag in seccomp.Flags)
            {
                if (Array.IndexOf(SeccompNames.Flags, flag) < 0)
                    throw new ContainerException($"seccomp flag {flag} is not known to skiff");
                flags.Add(flag);
            }
        }

        var archs = new List<string>();
        foreach (string arch in seccomp.Architectures ?? [])
        {
            if (!Architectures.TryGetValue(arch, out string? name))
                throw new ContainerException($"string {arch} is not a valid arch for seccomp");
            archs.Add(name);
        }

        ActionKind defaultAction = ParseAction(seccomp.DefaultAction);

        var syscalls = new List<SeccompConfig.Syscall>();
        foreach (LinuxSyscall call in seccomp.Syscalls ?? [])
        {
            ActionKind action = ParseAction(call.Action);
            foreach (string name in call.Names)
            {
                var args = new ScmpArgCmp[call.Args?.Count ?? 0];
                for (int i = 0; i < args.Length; i++)
                {
                    LinuxSeccompArg arg = call.Args![i];
                    if (!Operators.TryGetValue(arg.Op, out int op))
                        throw new ContainerException($"string {arg.Op} is not a valid operator for seccomp");
                    args[i] = new ScmpArgCmp { Arg = arg.Index, Op = op, DatumA = arg.Value, DatumB = arg.ValueTwo };
                }
                syscalls.Add(new SeccompConfig.Syscall(name, action, call.ErrnoRet, args));
            }
        }

        return new SeccompConfig
        {
            DefaultAction = defaultAction,
            DefaultErrnoRet = seccomp.DefaultErrnoRet,
            Architectures = archs,
            Flags = flags,
            ListenerPath = seccomp.ListenerPath,
            ListenerMetadata = seccomp.ListenerMetadata,
            Syscalls = syscalls,
        };
    }

    private static ActionKind ParseAction(string action) =>
        Actions.TryGetValue(action, out ActionKind kind)
            ? kind
            : throw new ContainerException($"string {action} is not a valid action for seccomp");

    /// <summary>
    /// Fails, runc-like, when libseccomp cannot be called: never in the static binary, which links it in; under the
    /// JIT when libseccomp.so.2 is missing.
    /// </summary>
    public static void Preload()
    {
        if (!Libseccomp.TryLoad(out string? error))
            throw new ContainerException($"seccomp: config provided but seccomp not supported: {error}");
    }

    /// <summary>
    /// The flags of <see cref="SeccompNames.KnownFlags"/> this libseccomp and kernel can apply (runc's
    /// SupportedFlags): the kernel is asked with seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL), which fails with
    /// EFAULT (the missing program) for a flag it knows and EINVAL for one it does not. LOG and SPEC_ALLOW also need
    /// the libseccomp API level that sets them; WAIT_KILLABLE_RECV is loaded by skiff itself, so only the kernel
    /// counts (probed together with NEW_LISTENER, which it requires). Empty when libseccomp is missing.
    /// </summary>
    public static List<string> SupportedFlags()
    {
        const uint Tsync = 1, LogFlag = 2, SpecAllow = 4, NewListener = 8, WaitKillableRecv = 32;
        var result = new List<string>();
        if (!Libseccomp.TryLoad(out _)) return result;
        uint api = Libseccomp.ApiGet();
        foreach (string flag in SeccompNames.KnownFlags())
        {
            bool ok = flag switch
            {
                FlagTsync => KernelKnows(Tsync),
                FlagLog => api >= 3 && KernelKnows(LogFlag),
                FlagSpecAllow => api >= 4 && KernelKnows(SpecAllow),
                FlagWaitKillableRecv => KernelKnows(NewListener | WaitKillableRecv),
                _ => false,
            };
            if (ok) result.Add(flag);
        }
        return result;
    }

    private static bool KernelKnows(uint flags)
    {
        const long SYS_seccomp = 317, SECCOMP_SET_MODE_FILTER = 1;
        long rc = Libc.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, 0, 0, 0, 0);
        return rc < 0 && Check.LastErrno == Errno.EFAULT;
    }

    /// <summary>Converts and compiles the profile; null when seccomp is disabled. The caller disposes the program.</summary>
    public static SeccompProgram? Compile(LinuxSeccomp? seccomp)
    {
        SeccompConfig? config = Convert(seccomp);
        return config is null ? null : Build(config);
    }

    /// <summary>Builds the libseccomp filter (runc's InitSeccomp up to, not including, the load).</summary>
    public static SeccompProgram Build(SeccompConfig config)
    {
        Preload();

        bool hasNotify = false;
        foreach (SeccompConfig.Syscall call in config.Syscalls)
        {
            if (call.Action != ActionKind.Notify) continue;
            hasNotify = true;
            uint api = Libseccomp.ApiGet();
            if (api < NotifyApiLevel)
                throw new ContainerException($"seccomp notify unsupported: API level: got {api}, want at least {NotifyApiLevel}. " +
                    "Please try with libseccomp >= 2.5.0 and Linux >= 5.7");
            // The init writes the notify fd to the parent after the load: a notified write would hang it.
            if (call.Name == "write")
                throw new ContainerException("SCMP_ACT_NOTIFY cannot be used for the write syscall");
        }
        if (config.DefaultAction == ActionKind.Notify)
            throw new ContainerException("SCMP_ACT_NOTIFY cannot be used as default action");

        uint defaultAction = config.DefaultActionValue;
        nint ctx = Libseccomp.Init(defaultAction);
        if (ctx == 0)
            throw new ContainerException("error creating filter", new ContainerException("could not create filter"));
        var program = new SeccompProgram(ctx, hasNotify);
        try
        {
            AddArchitectures(ctx, config.Architectures);
            bool specAllow = SetFlags(ctx, config.Flags);
            program.LoadFlags = KernelFlags(config.Flags, hasNotify, specAllow);

            // Binary-tree optimisation for long rulesets (runc: > 32; libseccomp <= 2.5.4 misbehaves with 0 rules).
            if (config.Syscalls.Count > 32)
            {
                int rc = Libseccomp.AttrSet(ctx, Libseccomp.SCMP_FLTATR_CTL_OPTIMIZE, 2);
                if (rc < 0 && Log.IsDebug)
                    Log.Debug($"seccomp binary tree optimization not available: {((Errno)(-rc)).Text()}");
            }

            // no_new_privs is the runtime's business (process.noNewPrivileges), not the filter's.
            SetAttr(ctx, Libseccomp.SCMP_FLTATR_CTL_NNP, 0, "error setting no new privileges");

            foreach (SeccompConfig.Syscall call in config.Syscalls)
                AddRule(ctx, call, defaultAction);
            program.EnosysStub = EnosysStub.Build(config);
            return program;
        }
        catch
        {
            program.Dispose();
            throw;
        }
    }

    private static void AddArchitectures(nint ctx, IReadOnlyList<string> archs)
    {
        foreach (string name in archs)
        {
            uint arch = Libseccomp.ArchResolveName(name);
            if (arch == 0)
                throw new ContainerException("error validating Seccomp architecture",
                    new ContainerException($"cannot convert unrecognized string {name}"));
            int rc = Libseccomp.ArchAdd(ctx, arch);
            if (rc < 0 && rc != -(int)Errno.EEXIST)
                throw new ContainerException("error adding architecture to seccomp filter",
                    new SyscallException("seccomp_arch_add", (Errno)(-rc), name));
        }
    }

    /// <summary>
    /// The seccomp(2) flags skiff loads the (patched) program with, as runc's filterFlags: LOG and SPEC_ALLOW as
    /// set on the filter, NEW_LISTENER with a notify rule, WAIT_KILLABLE_RECV only with a listener.
    /// </summary>
    private static uint KernelFlags(IReadOnlyList<string>? flags, bool hasNotify, bool specAllow)
    {
        const uint Log = 2, SpecAllow = 4, NewListener = 8, WaitKillableRecv = 32;
        uint f = 0;
        if (StringList.Contains(flags, FlagLog)) f |= Log;
        if (specAllow) f |= SpecAllow;
        if (hasNotify)
        {
            f |= NewListener;
            if (StringList.Contains(flags, FlagWaitKillableRecv)) f |= WaitKillableRecv;
        }
        return f;
    }

    /// <summary>Sets the filter attributes; true when SPEC_ALLOW ended up set.</summary>
    private static bool SetFlags(nint ctx, IReadOnlyList<string>? flags)
    {
        if (flags is null)
        {
            // runc: no flags given (not even []) means SPEC_ALLOW when libseccomp and the kernel support it.
            if (Libseccomp.ApiGet() >= 4 && Libseccomp.AttrSet(ctx, Libseccomp.SCMP_FLTATR_CTL_SSB, 1) == 0)
                return true;
            if (Log.IsDebug) Log.Debug("seccomp: SECCOMP_FILTER_FLAG_SPEC_ALLOW not supported, not set");
            return false;
        }
        bool specAllow = false;
        foreach (string flag in flags)
        {
            switch (flag)
            {
                case FlagTsync:
                    break; // the filter is for the thread that execs; the other threads die with execve
                case FlagLog:
                    RequireApi(3, "error adding log flag to seccomp filter");
                    SetAttr(ctx, Libseccomp.SCMP_FLTATR_CTL_LOG, 1, "error adding log flag to seccomp filter");
                    break;
                case FlagWaitKillableRecv:
                    break; // libseccomp 2.5 has no attribute for it: SeccompProgram.Load passes it to seccomp(2) itself
                case FlagSpecAllow:
                    RequireApi(4, "error adding SSB flag to seccomp filter");
                    SetAttr(ctx, Libseccomp.SCMP_FLTATR_CTL_SSB, 1, "error adding SSB flag to seccomp filter");
                    specAllow = true;
                    break;
                default:
                    throw new ContainerException($"seccomp flag {flag} is not known to skiff");
            }
        }
        return specAllow;
    }

    private static void RequireApi(uint level, string context)
    {
        uint api = Libseccomp.ApiGet();
        if (api < level)
            throw new ContainerException(context, new ContainerException(
                $"libseccomp API level too low (current {api}, minimum {level})"));
    }

    private static void SetAttr(nint ctx, int attr, uint value, string context)
    {
        int rc = Libseccomp.AttrSet(ctx, attr, value);
        if (rc < 0)
            throw new ContainerException(context, new SyscallException("seccomp_attr_set", (Errno)(-rc)));
    }

    /// <summary>runc's matchCall: one syscall name, its comparisons (same index twice: one rule per comparison).</summary>
    private static void AddRule(nint ctx, SeccompConfig.Syscall call, uint defaultAction)
    {
        if (call.Name.Length == 0)
            throw new ContainerException("empty string is not a valid syscall");

        uint action = ActionValue(call.Action, call.ErrnoRet);
        if (action == defaultAction)
            return; // redundant, and libseccomp would refuse it

        int nr = Libseccomp.SyscallResolveName(call.Name);
        if (nr == Libseccomp.__NR_SCMP_ERROR)
        {
            if (Log.IsDebug) Log.Debug($"unknown seccomp syscall \"{call.Name}\" ignored");
            return;
        }

        if (call.Args.Length == 0)
        {
            int rc = Libseccomp.RuleAddArray(ctx, action, nr, []);
            if (rc < 0)
                throw new ContainerException($"error adding seccomp filter rule for syscall {call.Name}", RuleError(rc, nr));
            return;
        }

        Span<int> counts = stackalloc int[SyscallMaxArguments];
        bool sameIndexTwice = false;
        foreach (ScmpArgCmp arg in call.Args)
        {
            if (arg.Arg >= SyscallMaxArguments)
                throw new ContainerException($"error creating seccomp syscall condition for syscall {call.Name}",
                    new ContainerException($"syscalls only have up to 6 arguments ({arg.Arg} given)"));
            if (++counts[(int)arg.Arg] > 1) sameIndexTwice = true;
        }

        if (sameIndexTwice)
        {
            // libseccomp cannot AND two comparisons of one argument: each becomes its own rule (an OR).
            for (int i = 0; i < call.Args.Length; i++)
            {
                int rc = Libseccomp.RuleAddArray(ctx, action, nr, call.Args.AsSpan(i, 1));
                if (rc < 0)
                    throw new ContainerException($"error adding seccomp rule for syscall {call.Name}", RuleError(rc, nr));
            }
        }
        else
        {
            int rc = Libseccomp.RuleAddArray(ctx, action, nr, call.Args);
            if (rc < 0)
                throw new ContainerException($"error adding seccomp rule for syscall {call.Name}", RuleError(rc, nr));
        }
    }

    /// <summary>libseccomp-golang's reading of a seccomp_rule_add failure.</summary>
    private static Exception RuleError(int rc, int nr) => (Errno)(-rc) switch
    {
        Errno.EFAULT => new ContainerException($"unrecognized syscall 0x{nr:x}"),
        Errno.EPERM or Errno.EACCES => new ContainerException("requested action matches default action of filter"),
        Errno e => new SyscallException("seccomp_rule_add", e),
    };
}
