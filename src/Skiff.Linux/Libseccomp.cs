using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Linux;

/// <summary>libseccomp's <c>struct scmp_arg_cmp</c>: one argument comparison (24 bytes on 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct ScmpArgCmp
{
    /// <summary>Argument index, 0..5.</summary>
    public uint Arg;
    /// <summary><c>enum scmp_compare</c> (SCMP_CMP_*).</summary>
    public int Op;
    /// <summary>The value; for SCMP_CMP_MASKED_EQ the mask.</summary>
    public ulong DatumA;
    /// <summary>For SCMP_CMP_MASKED_EQ the value compared with (arg &amp; mask).</summary>
    public ulong DatumB;
}

/// <summary>
/// libseccomp, linked into the static skiff binary (its libseccomp.a: a DirectPInvoke, see Skiff.Cli.csproj), so
/// every process has it, inside any container's root too, and a host needs no libseccomp installed. Under the JIT
/// (unit tests) the same imports bind libseccomp.so.2. libseccomp returns <c>-errno</c>, so no errno is read after
/// the calls.
/// </summary>
public static unsafe partial class Libseccomp
{
    public const string LibraryName = "libseccomp.so.2";

    // Actions (seccomp.h).
    public const uint SCMP_ACT_KILL_PROCESS = 0x80000000, SCMP_ACT_KILL_THREAD = 0x00000000, SCMP_ACT_TRAP = 0x00030000,
        SCMP_ACT_NOTIFY = 0x7fc00000, SCMP_ACT_LOG = 0x7ffc0000, SCMP_ACT_ALLOW = 0x7fff0000;
    public static uint SCMP_ACT_ERRNO(uint x) => 0x00050000 | (x & 0xffff);
    public static uint SCMP_ACT_TRACE(uint x) => 0x7ff00000 | (x & 0xffff);

    // Filter attributes (enum scmp_filter_attr).
    public const int SCMP_FLTATR_ACT_DEFAULT = 1, SCMP_FLTATR_ACT_BADARCH = 2, SCMP_FLTATR_CTL_NNP = 3,
        SCMP_FLTATR_CTL_TSYNC = 4, SCMP_FLTATR_API_TSKIP = 5, SCMP_FLTATR_CTL_LOG = 6, SCMP_FLTATR_CTL_SSB = 7,
        SCMP_FLTATR_CTL_OPTIMIZE = 8, SCMP_FLTATR_API_SYSRAWRC = 9;

    // Comparison operators (enum scmp_compare).
    public const int SCMP_CMP_NE = 1, SCMP_CMP_LT = 2, SCMP_CMP_LE = 3, SCMP_CMP_EQ = 4, SCMP_CMP_GE = 5,
        SCMP_CMP_GT = 6, SCMP_CMP_MASKED_EQ = 7;

    /// <summary>What seccomp_syscall_resolve_name returns for a name it does not know.</summary>
    public const int __NR_SCMP_ERROR = -1;

    [LibraryImport(LibraryName)] private static partial nint seccomp_init(uint defaultAction);
    [LibraryImport(LibraryName)] private static partial void seccomp_release(nint ctx);
    [LibraryImport(LibraryName)] private static partial int seccomp_arch_add(nint ctx, uint arch);
    [LibraryImport(LibraryName)] private static partial int seccomp_arch_exist(nint ctx, uint arch);
    [LibraryImport(LibraryName)] private static partial uint seccomp_arch_resolve_name(byte* name);
    [LibraryImport(LibraryName)] private static partial uint seccomp_arch_native();
    [LibraryImport(LibraryName)] private static partial int seccomp_attr_set(nint ctx, int attr, uint value);
    [LibraryImport(LibraryName)] private static partial int seccomp_syscall_resolve_name(byte* name);
    [LibraryImport(LibraryName)] private static partial int seccomp_syscall_resolve_name_arch(uint arch, byte* name);
    [LibraryImport(LibraryName)] private static partial int seccomp_rule_add_array(nint ctx, uint action, int syscall, uint count, ScmpArgCmp* args);
    [LibraryImport(LibraryName)] private static partial int seccomp_load(nint ctx);
    [LibraryImport(LibraryName)] private static partial int seccomp_notify_fd(nint ctx);
    [LibraryImport(LibraryName)] private static partial int seccomp_export_bpf(nint ctx, int fd);
    [LibraryImport(LibraryName)] private static partial uint seccomp_api_get();
    [LibraryImport(LibraryName)] private static partial uint* seccomp_version();

    private static string? s_loadError;
    private static bool s_probed;

    /// <summary>Whether libseccomp can be called, with the reason if not. Always true in the static binary; under the
    /// JIT, false when libseccomp.so.2 (>= 2.5.0) cannot be loaded.</summary>
    public static bool TryLoad(out string? error)
    {
        if (!s_probed)
        {
            try
            {
                _ = seccomp_version();
                _ = seccomp_notify_fd(0); // 2.5.0's newest entry point used here: resolves it
            }
            catch (DllNotFoundException)
            {
                s_loadError = $"unable to load {LibraryName}";
            }
            catch (EntryPointNotFoundException e)
            {
                s_loadError = $"{LibraryName}: {e.Message} (libseccomp >= 2.5.0 is required)";
            }
            s_probed = true;
        }
        error = s_loadError;
        return s_loadError is null;
    }

    private static void Need()
    {
        if (!TryLoad(out string? error)) throw new DllNotFoundException(error);
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/>.</summary>
    private static byte[] Z(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    /// <summary>seccomp_init: a new filter context, or 0.</summary>
    public static nint Init(uint defaultAction) { Need(); return seccomp_init(defaultAction); }

    public static void Release(nint ctx) { Need(); seccomp_release(ctx); }

    /// <summary>seccomp_arch_add: 0 or -errno (-EEXIST when already present).</summary>
    public static int ArchAdd(nint ctx, uint arch) { Need(); return seccomp_arch_add(ctx, arch); }

    /// <summary>seccomp_arch_exist: 0 when present, -EEXIST when absent.</summary>
    public static int ArchExist(nint ctx, uint arch) { Need(); return seccomp_arch_exist(ctx, arch); }

    /// <summary>seccomp_arch_resolve_name ("x86_64" → AUDIT_ARCH_X86_64); 0 when unknown.</summary>
    public static uint ArchResolveName(string name)
    {
        Need();
        fixed (byte* p = Z(name)) return seccomp_arch_resolve_name(p);
    }

    public static uint ArchNative() { Need(); return seccomp_arch_native(); }

    /// <summary>seccomp_attr_set: 0 or -errno.</summary>
    public static int AttrSet(nint ctx, int attr, uint value) { Need(); return seccomp_attr_set(ctx, attr, value); }

    /// <summary>The native syscall number, or <see cref="__NR_SCMP_ERROR"/>.</summary>
    public static int SyscallResolveName(string name)
    {
        Need();
        fixed (byte* p = Z(name)) return seccomp_syscall_resolve_name(p);
    }

    /// <summary>The syscall number on <paramref name="arch"/>, or <see cref="__NR_SCMP_ERROR"/>.</summary>
    public static int SyscallResolveNameArch(uint arch, string name)
    {
        Need();
        fixed (byte* p = Z(name)) return seccomp_syscall_resolve_name_arch(arch, p);
    }

    /// <summary>seccomp_rule_add_array: 0 or -errno.</summary>
    public static int RuleAddArray(nint ctx, uint action, int syscall, ReadOnlySpan<ScmpArgCmp> args)
    {
        Need();
        fixed (ScmpArgCmp* p = args) return seccomp_rule_add_array(ctx, action, syscall, (uint)args.Length, args.Length == 0 ? null : p);
    }

    /// <summary>seccomp_load: 0 or -errno.</summary>
    public static int Load(nint ctx) { Need(); return seccomp_load(ctx); }

    /// <summary>seccomp_notify_fd: the listener fd of a loaded filter, or -errno.</summary>
    public static int NotifyFd(nint ctx) { Need(); return seccomp_notify_fd(ctx); }

    /// <summary>seccomp_export_bpf: writes the raw BPF program to <paramref name="fd"/>; 0 or -errno.</summary>
    public static int ExportBpf(nint ctx, int fd) { Need(); return seccomp_export_bpf(ctx, fd); }

    /// <summary>The filter's BPF program (seccomp_export_bpf into a memfd): an array of 8-byte sock_filter.</summary>
    public static byte[] ExportBpf(nint ctx)
    {
        Need();
        using SafeFd fd = Check.Fd(Libc.memfd_create("skiff-seccomp-bpf", Libc.MFD_CLOEXEC), "memfd_create");
        int rc = seccomp_export_bpf(ctx, fd.Fd);
        if (rc < 0) Check.Throw("seccomp_export_bpf", (Errno)(-rc));
        long size = Libc.FStat(fd).Size;
        var buf = new byte[size];
        long done = 0;
        fixed (byte* p = buf)
        {
            while (done < size)
            {
                nint n = pread(fd.Fd, p + done, (nint)(size - done), done);
                if (n < 0 && Check.LastErrno == Errno.EINTR) continue;
                Check.Rc(n, "pread", "memfd:skiff-seccomp-bpf");
                if (n == 0) break;
                done += n;
            }
        }
        return done == size ? buf : buf[..(int)done];
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint pread(int fd, byte* buf, nint count, long offset);

    /// <summary>The API level libseccomp found for this kernel (5: notify; 6: notify with TSYNC).</summary>
    public static uint ApiGet() { Need(); return seccomp_api_get(); }

    /// <summary>"2.5.4".</summary>
    public static string Version()
    {
        Need();
        uint* v = seccomp_version();
        return v == null ? "unknown" : $"{v[0]}.{v[1]}.{v[2]}";
    }
}
