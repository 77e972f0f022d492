using Xunit;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A <see cref="CriuFactAttribute"/> that also depends on whether criu's lazy-pages server (the checkpoint side of
/// a lazy migration) can work here: it reads pages through a pipe grown to 819 pages (criu/include/page-pipe.h,
/// 3354624 bytes), which the kernel refuses above fs.pipe-max-size without CAP_SYS_RESOURCE. Probed with a pipe of
/// our own; run when the answer is <paramref name="serves"/>, skipped otherwise.
/// </summary>
public sealed class CriuLazyServerFactAttribute : FactAttribute
{
    /// <summary>The size criu asks F_SETPIPE_SZ for: 8 * PAGE_SIZE / sizeof(struct pipe_buffer) pages.</summary>
    public static int PipeBytes => 8 * Environment.SystemPageSize / 40 * Environment.SystemPageSize;

    private static readonly Lazy<bool> s_serves = new(Probe);

    public CriuLazyServerFactAttribute(bool serves, string? runc11Deviation = null)
    {
        var criu = new CriuFactAttribute(runc11Deviation);
        if (criu.Skip is not null)
        {
            Skip = criu.Skip;
        }
        else if (s_serves.Value != serves)
        {
            Skip = serves
                ? $"a pipe cannot grow to {PipeBytes} bytes here (fs.pipe-max-size without CAP_SYS_RESOURCE): criu cannot serve lazy pages"
                : $"a pipe grows to {PipeBytes} bytes here: criu can serve lazy pages";
        }
    }

    private static unsafe bool Probe()
    {
        int* fds = stackalloc int[2];
        if (Native.Pipe(fds) != 0) throw new InvalidOperationException("pipe failed");
        try
        {
            return Native.Fcntl(fds[0], Native.F_SETPIPE_SZ, PipeBytes) >= 0;
        }
        finally
        {
            Native.Close(fds[0]);
            Native.Close(fds[1]);
        }
    }
}
