using System.Runtime.InteropServices;

namespace Skiff.Linux;

public static unsafe partial class Libc
{
    public const int CLONE_NEWTIME = 0x80, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_NEWNS = 0x20000,
        CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000, CLONE_NEWIPC = 0x08000000,
        CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000;

    /// <summary>All CLONE_NEW* namespace flags.</summary>
    public const int CLONE_NEWALL = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
        CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int unshare(int flags);

    /// <summary>
    /// Which nsexec stage this process is (native/nsexec/nsexec.c): -1 when its constructor did nothing, 2 in
    /// `skiff init` after the bootstrap. The object is linked only into the published NativeAOT binary (bound by
    /// DirectPInvoke "nsexec"); under the JIT (unit tests) calling this throws DllNotFoundException.
    /// </summary>
    [LibraryImport("nsexec")]
    public static partial int nsexec_stage();

    /// <summary>CLOCK_MONOTONIC (ns) when nsexec's constructor ran: this process's start, before the .NET runtime's
    /// (SKIFF_TRACE). Only in the published binary, as <see cref="nsexec_stage"/>.</summary>
    [LibraryImport("nsexec")]
    public static partial long nsexec_start_ns();

    /// <summary>CLOCK_MONOTONIC (ns) when nsexec's constructor returned to the .NET runtime's start (SKIFF_TRACE).</summary>
    [LibraryImport("nsexec")]
    public static partial long nsexec_done_ns();

    /// <summary>nsexec's clone of this binary for `skiff init` (CVE-2019-5736): a read-only detached bind mount of
    /// /proc/self/exe, as a close-on-exec fd; or -errno, with <paramref name="failed"/> 1 when open_tree failed and 2
    /// when mount_setattr did. Only in the published binary, as <see cref="nsexec_stage"/>.</summary>
    [LibraryImport("nsexec")]
    public static partial int nsexec_exe_clone(out int failed);

    /// <summary>The `skiff init` nsexec's constructor spawned early for this run, create (<paramref name="setns"/>
    /// 0) or exec (1), handed over once: its pid, with <paramref name="fds"/>[0..3] our ends of its init socket, sync
    /// socket and log pipe and the binary clone it runs; -1 when there is none of that kind (or its exec failed).</summary>
    [LibraryImport("nsexec")]
    private static partial int nsexec_early_init(int setns, int* fds);

    /// <summary><see cref="nsexec_early_init(int, int*)"/> with <paramref name="fds"/> of 4.</summary>
    public static int NsexecEarlyInit(bool setns, Span<int> fds)
    {
        if (fds.Length < 4) throw new ArgumentException("4 fds", nameof(fds));
        fixed (int* p = fds) return nsexec_early_init(setns ? 1 : 0, p);
    }

    /// <summary>In `skiff init`: the mount namespace nsexec was to join and left to managed code (an fd, close-on-exec),
    /// or -1. Only in the published binary, as <see cref="nsexec_stage"/>.</summary>
    [LibraryImport("nsexec")]
    public static partial int nsexec_mntns_fd();

    /// <summary>In `skiff init`: 0 once it may read the init socket (a speculative init waits until nsexec's stage 0
    /// has read the bootstrap message from it), -1 when stage 0 let it go. Only in the published binary.</summary>
    [LibraryImport("nsexec")]
    public static partial int nsexec_speculation_wait();

    /// <summary>In `skiff init`: 1 in a speculative init (nsexec.c, speculate), 0 otherwise. Only in the published
    /// binary.</summary>
    [LibraryImport("nsexec")]
    public static partial int nsexec_speculative();

    /// <summary>In a speculative init: the network, IPC or UTS namespace nsexec came from ("net", "ipc", "uts"), an
    /// fd (close-on-exec) the caller owns from now on, once; -1 otherwise.</summary>
    [LibraryImport("nsexec", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int nsexec_speculative_origin(string type);

    /// <summary>Kills and reaps the early-spawned init if nothing took it over (a no-op otherwise).</summary>
    [LibraryImport("nsexec")]
    public static partial void nsexec_early_discard();

    /// <summary>setns(2) on the calling thread; <paramref name="path"/> only names the namespace in errors.</summary>
    public static void Setns(SafeFd fd, int nstype, string? path = null) =>
        Check.Rc(setns(fd.Fd, nstype), "setns", path);

    /// <summary>Opens <paramref name="path"/> (a /proc/&lt;pid&gt;/ns/* link or a bind mount of one) and joins it.</summary>
    public static void Setns(string path, int nstype)
    {
        using SafeFd fd = Open(path, O_RDONLY);
        Setns(fd, nstype, path);
    }

    /// <summary>unshare(2) on the calling thread.</summary>
    public static void Unshare(int flags) => Check.Rc(unshare(flags), "unshare");
}
