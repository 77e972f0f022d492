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
/// libseccomp.so.2, bound lazily with <see cref="NativeLibrary.TryLoad(string, out nint)"/> and function pointers, so
/// commands that never touch seccomp run on hosts without the library. <see cref="TryLoad"/> resolves every symbol
/// at once: call it (through SeccompFilter.Compile) before pivot_root, when the host's libraries are still visible.
/// libseccomp returns <c>-errno</c>, so no errno is read after the calls.
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

    private static readonly object s_lock = new();
    private static volatile bool s_loaded;
    private static string? s_loadError;

    private static delegate* unmanaged<uint, nint> p_init;
    private static delegate* unmanaged<nint, void> p_release;
    private static delegate* unmanaged<nint, uint, int> p_arch_add;
    private static delegate* unmanaged<nint, uint, int> p_arch_exist;
    private static delegate* unmanaged<byte*, uint> p_arch_resolve_name;
    private static delegate* unmanaged<uint> p_arch_native;
    private static delegate* unmanaged<nint, int, uint, int> p_attr_set;
    private static delegate* unmanaged<byte*, int> p_syscall_resolve_name;
    private static delegate* unmanaged<uint, byte*, int> p_syscall_resolve_name_arch;
    private static delegate* unmanaged<nint, uint, int, uint, ScmpArgCmp*, int> p_rule_add_array;
    private static delegate* unmanaged<nint, int> p_load;
    private static delegate* unmanaged<nint, int> p_notify_fd;
    private static delegate* unmanaged<nint, int, int> p_export_bpf;
    private static delegate* unmanaged<uint> p_api_get;
    private static delegate* unmanaged<uint*> p_version;

    private static nint Resolve(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out nint p) ? p : throw new EntryPointNotFoundException(name);

    /// <summary>Loads libseccomp.so.2 and resolves all entry points (once). False, with the reason, if it cannot.</summary>
    public static bool TryLoad(out string? error)
    {
        if (s_loaded) { error = null; return true; }
        lock (s_lock)
        {
            if (!s_loaded && s_loadError is null)
            {
                if (!NativeLibrary.TryLoad(LibraryName, out nint lib))
                    s_loadError = $"unable to load {LibraryName}";
                else
                {
                    try
                    {
                        p_init = (delegate* unmanaged<uint, nint>)Resolve(lib, "seccomp_init");
                        p_release = (delegate* unmanaged<nint, void>)Resolve(lib, "seccomp_release");
                        p_arch_add = (delegate* unmanaged<nint, uint, int>)Resolve(lib, "seccomp_arch_add");
                        p_arch_exist = (delegate* unmanaged<nint, uint, int>)Resolve(lib, "seccomp_arch_exist");
                        p_arch_resolve_name = (delegate* unmanaged<byte*, uint>)Resolve(lib, "seccomp_arch_resolve_name");
                        p_arch_native = (delegate* unmanaged<uint>)Resolve(lib, "seccomp_arch_native");
                        p_attr_set = (delegate* unmanaged<nint, int, uint, int>)Resolve(lib, "seccomp_attr_set");
                        p_syscall_resolve_name = (delegate* unmanaged<byte*, int>)Resolve(lib, "seccomp_syscall_resolve_name");
                        p_syscall_resolve_name_arch =
                            (delegate* unmanaged<uint, byte*, int>)Resolve(lib, "seccomp_syscall_resolve_name_arch");
                        p_rule_add_array =
                            (delegate* unmanaged<nint, uint, int, uint, ScmpArgCmp*, int>)Resolve(lib, "seccomp_rule_add_array");
                        p_load = (delegate* unmanaged<nint, int>)Resolve(lib, "seccomp_load");
                        p_notify_fd = (delegate* unmanaged<nint, int>)Resolve(lib, "seccomp_notify_fd");
                        p_export_bpf = (delegate* unmanaged<nint, int, int>)Resolve(lib, "seccomp_export_bpf");
                        p_api_get = (delegate* unmanaged<uint>)Resolve(lib, "seccomp_api_get");
                        p_version = (delegate* unmanaged<uint*>)Resolve(lib, "seccomp_version");
                        s_loaded = true;
                    }
                    catch (EntryPointNotFoundException e)
                    {
                        s_loadError = $"{LibraryName}: symbol {e.Message} not found (libseccomp >= 2.5.0 is required)";
                    }
                }
            }
        }
        error = s_loadError;
        return s_loaded;
    }

    private static void Need()
    {
        if (!s_loaded && !TryLoad(out string? error)) throw new DllNotFoundException(error);
    }

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/>.</summary>
    private static byte[] Z(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    /// <summary>seccomp_init: a new filter context, or 0.</summary>
    public static nint Init(uint defaultAction) { Need(); return p_init(defaultAction); }

    public static void Release(nint ctx) { Need(); p_release(ctx); }

    /// <summary>seccomp_arch_add: 0 or -errno (-EEXIST when already present).</summary>
    public static int ArchAdd(nint ctx, uint arch) { Need(); return p_arch_add(ctx, arch); }

    /// <summary>seccomp_arch_exist: 0 when present, -EEXIST when absent.</summary>
    public static int ArchExist(nint ctx, uint arch) { Need(); return p_arch_exist(ctx, arch); }

    /// <summary>seccomp_arch_resolve_name ("x86_64" → AUDIT_ARCH_X86_64); 0 when unknown.</summary>
    public static uint ArchResolveName(string name)
    {
        Need();
        fixed (byte* p = Z(name)) return p_arch_resolve_name(p);
    }

    public static uint ArchNative() { Need(); return p_arch_native(); }

    /// <summary>seccomp_attr_set: 0 or -errno.</summary>
    public static int AttrSet(nint ctx, int attr, uint value) { Need(); return p_attr_set(ctx, attr, value); }

    /// <summary>The native syscall number, or <see cref="__NR_SCMP_ERROR"/>.</summary>
    public static int SyscallResolveName(string name)
    {
        Need();
        fixed (byte* p = Z(name)) return p_syscall_resolve_name(p);
    }

    /// <summary>The syscall number on <paramref name="arch"/>, or <see cref="__NR_SCMP_ERROR"/>.</summary>
    public static int SyscallResolveNameArch(uint arch, string name)
    {
        Need();
        fixed (byte* p = Z(name)) return p_syscall_resolve_name_arch(arch, p);
    }

    /// <summary>seccomp_rule_add_array: 0 or -errno.</summary>
    public static int RuleAddArray(nint ctx, uint action, int syscall, ReadOnlySpan<ScmpArgCmp> args)
    {
        Need();
        fixed (ScmpArgCmp* p = args) return p_rule_add_array(ctx, action, syscall, (uint)args.Length, args.Length == 0 ? null : p);
    }

    /// <summary>seccomp_load: 0 or -errno.</summary>
    public static int Load(nint ctx) { Need(); return p_load(ctx); }

    /// <summary>seccomp_notify_fd: the listener fd of a loaded filter, or -errno.</summary>
    public static int NotifyFd(nint ctx) { Need(); return p_notify_fd(ctx); }

    /// <summary>seccomp_export_bpf: writes the raw BPF program to <paramref name="fd"/>; 0 or -errno.</summary>
    public static int ExportBpf(nint ctx, int fd) { Need(); return p_export_bpf(ctx, fd); }

    /// <summary>The filter's BPF program (seccomp_export_bpf into a memfd): an array of 8-byte sock_filter.</summary>
    public static byte[] ExportBpf(nint ctx)
    {
        Need();
        using SafeFd fd = Check.Fd(Libc.memfd_create("skiff-seccomp-bpf", Libc.MFD_CLOEXEC), "memfd_create");
        int rc = p_export_bpf(ctx, fd.Fd);
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
    public static uint ApiGet() { Need(); return p_api_get(); }

    /// <summary>"2.5.4".</summary>
    public static string Version()
    {
        Need();
        uint* v = p_version();
        return v == null ? "unknown" : $"{v[0]}.{v[1]}.{v[2]}";
    }
}
