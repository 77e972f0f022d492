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

    /// <summary>The BPF program libseccomp generates (sock_filter array, host endian): for tests and debugging.</summary>
    public byte[] ExportBpf() => Libseccomp.ExportBpf(Ctx);

    public void Dispose()
    {
        nint ctx = _ctx;
        _ctx = 0;
        if (ctx != 0) Libseccomp.Release(ctx);
    }
}
