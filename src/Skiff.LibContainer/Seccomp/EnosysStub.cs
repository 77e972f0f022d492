using Skiff.Linux;
using static Skiff.LibContainer.Seccomp.SeccompNames;

namespace Skiff.LibContainer.Seccomp;

/// <summary>
/// runc 1.2's -ENOSYS stub (libcontainer/seccomp/patchbpf): a cBPF prologue put in front of libseccomp's program so
/// that a syscall numbered above every syscall the profile names (per architecture) fails with ENOSYS instead of the
/// profile's default action. Programs built against a newer kernel than the profile (glibc, busybox, skiff itself:
/// close_range, openat2, clone3) then see "not implemented" and fall back, as they would on an older kernel.
/// Only for a non-permissive default (allow, log and trace leave the filter alone) whose errno is not ENOSYS already.
/// </summary>
/// <remarks>
/// Layout (each architecture's section is self-contained, so no conditional jump is longer than 3):
/// <code>
///   ld  [4]                      ; seccomp_data.arch
///   jeq ARCH_1, 0, 1 ; ja sec_1  ; one pair per architecture
///   ...
///   ja  filter                   ; any other architecture: libseccomp's bad-arch action
/// sec_i:
///   ld  [0]                      ; seccomp_data.nr
///   (s390/s390x) jeq 0, 0, 1 ; ret ENOSYS   ; setup(2): the multiplexer unknown syscalls end up as
///   (x86_64)     jset 1&lt;&lt;30, x32, 0       ; the x32 ABI sets bit 30 of the number
///   jgt MAX, 0, 1 ; ret ENOSYS ; ja filter
/// filter:
///   libseccomp's program
/// </code>
/// </remarks>
internal static class EnosysStub
{
    // cBPF opcodes (linux/filter.h).
    private const ushort LdWAbs = 0x20, Ja = 0x05, Jeq = 0x15, Jgt = 0x25, Jset = 0x45, RetK = 0x06;
    private const uint AuditArchX86_64 = 0xC000003E, AuditArchS390 = 0x00000016, AuditArchS390X = 0x80000016;
    private const uint X32SyscallBit = 0x40000000;
    private const uint ENOSYS = 38;
    private const int InsnSize = 8;

    /// <summary>The largest syscall number the profile names on one architecture (libseccomp's numbering).</summary>
    internal readonly record struct ArchMax(uint AuditArch, bool IsX32, uint MaxSyscall);

    /// <summary>Whether runc would patch this profile at all.</summary>
    public static bool Applies(SeccompConfig config) =>
        config.DefaultAction is not (ActionKind.Allow or ActionKind.Log or ActionKind.Trace)
        && !(config.DefaultAction == ActionKind.Errno && config.DefaultErrnoRet == ENOSYS);

    /// <summary>
    /// The stub for <paramref name="config"/> as raw sock_filter instructions (host endian), empty when none
    /// applies. Needs libseccomp (names → numbers per architecture); the native architecture is always included.
    /// </summary>
    public static byte[] Build(SeccompConfig config)
    {
        if (!Applies(config)) return [];
        var archs = new List<uint>();
        foreach (string name in config.Architectures)
        {
            uint token = Libseccomp.ArchResolveName(name);
            if (token != 0 && !archs.Contains(token)) archs.Add(token);
        }
        uint native = Libseccomp.ArchNative();
        if (!archs.Contains(native)) archs.Add(native);

        var maxima = new List<ArchMax>();
        foreach (uint token in archs)
        {
            uint max = 0;
            foreach (SeccompConfig.Syscall call in config.Syscalls)
            {
                int nr = Libseccomp.SyscallResolveNameArch(token, call.Name);
                if (nr >= 0 && (uint)nr > max) max = (uint)nr;
            }
            if (max == 0)
            {
                Skiff.Linux.Logging.Log.Write(Skiff.Linux.Logging.LogLevel.Warning,
                    $"could not find any syscalls for arch {token:x}");
                continue;
            }
            bool x32 = token == ScmpArchX32;
            maxima.Add(new ArchMax(x32 ? AuditArchX86_64 : token, x32, max));
        }
        return Generate(maxima);
    }

    /// <summary>libseccomp's SCMP_ARCH_X32: x86_64's machine without the 64-bit flag (not a real AUDIT_ARCH).</summary>
    private const uint ScmpArchX32 = 0x4000003E;

    /// <summary>Assembles the stub for the given per-architecture maxima (x86_64 and x32 share one section).</summary>
    internal static byte[] Generate(IReadOnlyList<ArchMax> maxima)
    {
        var audits = new List<uint>();
        foreach (ArchMax m in maxima)
            if (!audits.Contains(m.AuditArch)) audits.Add(m.AuditArch);
        if (audits.Count == 0) return [];

        var prog = new List<Insn>();
        var filterJumps = new List<int>();       // "ja filter" placeholders
        var sectionJumps = new List<int>();      // "ja sec_i" placeholders, in audits order
        prog.Add(new Insn(LdWAbs, 0, 0, 4));
        foreach (uint audit in audits)
        {
            prog.Add(new Insn(Jeq, 0, 1, audit));
            sectionJumps.Add(prog.Count);
            prog.Add(new Insn(Ja, 0, 0, 0));
        }
        filterJumps.Add(prog.Count);
        prog.Add(new Insn(Ja, 0, 0, 0));

        var sectionStarts = new List<int>();
        foreach (uint audit in audits)
        {
            sectionStarts.Add(prog.Count);
            uint? native = null, x32 = null;
            foreach (ArchMax m in maxima)
            {
                if (m.AuditArch != audit) continue;
                if (m.IsX32) x32 = m.MaxSyscall; else native = m.MaxSyscall;
            }
            prog.Add(new Insn(LdWAbs, 0, 0, 0));
            if (audit is AuditArchS390 or AuditArchS390X)
            {
                prog.Add(new Insn(Jeq, 0, 1, 0));
                prog.Add(Enosys());
            }
            if (audit == AuditArchX86_64)
            {
                // bit 30 set: an x32 call, checked by the second block; clear: x86_64, the first block.
                int jset = prog.Count;
                prog.Add(new Insn(Jset, 0, 0, X32SyscallBit));
                CheckMax(prog, filterJumps, native);
                prog[jset] = prog[jset] with { Jt = (byte)(prog.Count - jset - 1) };
                CheckMax(prog, filterJumps, x32);
            }
            else
            {
                CheckMax(prog, filterJumps, native);
            }
        }

        int filterStart = prog.Count;
        foreach (int i in filterJumps) prog[i] = prog[i] with { K = (uint)(filterStart - i - 1) };
        for (int s = 0; s < sectionJumps.Count; s++)
            prog[sectionJumps[s]] = prog[sectionJumps[s]] with { K = (uint)(sectionStarts[s] - sectionJumps[s] - 1) };

        var bytes = new byte[prog.Count * InsnSize];
        for (int i = 0; i < prog.Count; i++) prog[i].Write(bytes.AsSpan(i * InsnSize));
        return bytes;
    }

    /// <summary>jgt MAX → ENOSYS, else to the filter; with no maximum (ABI not in the profile) straight to the filter.</summary>
    private static void CheckMax(List<Insn> prog, List<int> filterJumps, uint? max)
    {
        if (max is uint m)
        {
            prog.Add(new Insn(Jgt, 0, 1, m));
            prog.Add(Enosys());
        }
        filterJumps.Add(prog.Count);
        prog.Add(new Insn(Ja, 0, 0, 0));
    }

    private static Insn Enosys() => new(RetK, 0, 0, Libseccomp.SCMP_ACT_ERRNO(ENOSYS));

    /// <summary>struct sock_filter { __u16 code; __u8 jt; __u8 jf; __u32 k; }</summary>
    private readonly record struct Insn(ushort Code, byte Jt, byte Jf, uint K)
    {
        public void Write(Span<byte> dst)
        {
            // host endian, as libseccomp exports its program
            BitConverter.TryWriteBytes(dst, Code);
            dst[2] = Jt;
            dst[3] = Jf;
            BitConverter.TryWriteBytes(dst[4..], K);
        }
    }
}
