using Skiff.Linux;

namespace Skiff.LibContainer.Seccomp;

/// <summary>
/// A compiled libseccomp filter (owns the scmp_filter_ctx). <see cref="Load"/> installs it on the calling thread:
/// call it on the thread that execs, after capabilities/no_new_privs as runc orders them.
/// </summary>
internal sealed class SeccompProgram : IDisposable
{
    private nint _ctx;

    internal SeccompProgram(nint ctx, bool hasNotify)
    {
        _ctx = ctx;
        HasNotify = hasNotify;
    }

    /// <summary>Some rule uses SCMP_ACT_NOTIFY: <see cref="Load"/> returns a listener fd for the agent.</summary>
    public bool HasNotify { get; }

    private nint Ctx => _ctx != 0 ? _ctx : throw new ObjectDisposedException(nameof(SeccompProgram));

    /// <summary>
    /// seccomp_load (the filter attributes carry the flags: LOG, SPEC_ALLOW; NNP off). Returns the notify
    /// listener fd (close-on-exec, owned by the caller) when <see cref="HasNotify"/>, else -1.
    /// </summary>
    public int Load()
    {
        if (RawLoadFlags != 0) return LoadRaw();
        int rc = Libseccomp.Load(Ctx);
        if (rc < 0)
            throw new ContainerException("error loading seccomp filter into kernel",
                new SyscallException("seccomp", (Errno)(-rc)));
        if (!HasNotify) return -1;
        int fd = Libseccomp.NotifyFd(Ctx);
        if (fd < 0)
            throw new ContainerException("error loading seccomp filter into kernel",
                new SyscallException("seccomp_notify_fd", (Errno)(-fd)));
        return fd;
    }

    /// <summary>
    /// seccomp(2) flags when the filter is loaded by skiff rather than by libseccomp: flags libseccomp 2.5 cannot
    /// set (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) need the raw call; 0 otherwise.
    /// </summary>
    internal uint RawLoadFlags { get; init; }

    /// <summary>seccomp(SECCOMP_SET_MODE_FILTER) with libseccomp's program and <see cref="RawLoadFlags"/>.</summary>
    private int LoadRaw()
    {
        const long SYS_seccomp = 317, SECCOMP_SET_MODE_FILTER = 1;
        byte[] bpf = ExportBpf();
        nint filter = System.Runtime.InteropServices.Marshal.AllocHGlobal(bpf.Length);
        nint prog = System.Runtime.InteropServices.Marshal.AllocHGlobal(16);
        try
        {
            System.Runtime.InteropServices.Marshal.Copy(bpf, 0, filter, bpf.Length);
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (8-byte instructions)
            System.Runtime.InteropServices.Marshal.WriteInt16(prog, 0, (short)(bpf.Length / 8));
            System.Runtime.InteropServices.Marshal.WriteIntPtr(prog, 8, filter);
            long fd = Libc.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, RawLoadFlags, prog, 0, 0, 0);
            if (fd < 0)
                throw new ContainerException("error loading seccomp filter into kernel",
                    new SyscallException("seccomp", Check.LastErrno));
            Libc.SetCloexec((int)fd, true);
            return (int)fd;
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(prog);
            System.Runtime.InteropServices.Marshal.FreeHGlobal(filter);
        }
    }

    /// <summary>The BPF program libseccomp generates (sock_filter array, host endian): for tests and debugging.</summary>
    public byte[] ExportBpf() => Libseccomp.ExportBpf(Ctx);

    public void Dispose()
    {
        nint ctx = _ctx;
        _ctx = 0;
        if (ctx != 0) Libseccomp.Release(ctx);
    }
}
