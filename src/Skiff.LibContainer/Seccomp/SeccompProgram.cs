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
    /// Installs the filter on the calling thread, as runc's patchbpf.PatchAndLoad: libseccomp's program with the
    /// <see cref="EnosysStub"/> in front, loaded with seccomp(2) and <see cref="LoadFlags"/> (prctl(PR_SET_SECCOMP)
    /// when there are none). Returns the notify listener fd (close-on-exec, owned by the caller) when
    /// <see cref="HasNotify"/>, else -1.
    /// </summary>
    public int Load()
    {
        const long SYS_seccomp = 317, SECCOMP_SET_MODE_FILTER = 1;
        const nuint SECCOMP_MODE_FILTER = 2;
        const int PR_SET_SECCOMP = 22;
        byte[] bpf = PatchedBpf();
        nint filter = System.Runtime.InteropServices.Marshal.AllocHGlobal(bpf.Length);
        nint prog = System.Runtime.InteropServices.Marshal.AllocHGlobal(16);
        try
        {
            System.Runtime.InteropServices.Marshal.Copy(bpf, 0, filter, bpf.Length);
            // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (8-byte instructions)
            System.Runtime.InteropServices.Marshal.WriteInt16(prog, 0, (short)(bpf.Length / 8));
            System.Runtime.InteropServices.Marshal.WriteIntPtr(prog, 8, filter);
            long rc = LoadFlags == 0
                ? Libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (nuint)prog, 0, 0)
                : Libc.syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, LoadFlags, prog, 0, 0, 0);
            if (rc < 0)
                throw new ContainerException("error loading seccomp filter into kernel",
                    new SyscallException("seccomp", Check.LastErrno));
            if (!HasNotify) return -1;
            Libc.SetCloexec((int)rc, true);
            return (int)rc;
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeHGlobal(prog);
            System.Runtime.InteropServices.Marshal.FreeHGlobal(filter);
        }
    }

    /// <summary>The seccomp(2) flags: LOG, SPEC_ALLOW, NEW_LISTENER, WAIT_KILLABLE_RECV (runc's filterFlags).</summary>
    internal uint LoadFlags { get; set; }

    /// <summary>runc 1.2's -ENOSYS stub for this profile (raw sock_filter instructions; empty when none applies).</summary>
    internal byte[] EnosysStub { get; set; } = [];

    /// <summary>What <see cref="Load"/> installs: the stub, then libseccomp's program.</summary>
    public byte[] PatchedBpf() => [.. EnosysStub, .. ExportBpf()];

    /// <summary>The BPF program libseccomp generates (sock_filter array, host endian): for tests and debugging.</summary>
    public byte[] ExportBpf() => Libseccomp.ExportBpf(Ctx);

    public void Dispose()
    {
        nint ctx = _ctx;
        _ctx = 0;
        if (ctx != 0) Libseccomp.Release(ctx);
    }
}
