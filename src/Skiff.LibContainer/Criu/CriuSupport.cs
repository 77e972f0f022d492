using Skiff.LibContainer.Criu.Rpc;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Criu;

/// <summary>
/// Whether checkpoint/restore can work here: a criu in PATH that answers the VERSION request (CRIU 3.0 and
/// later) with at least <see cref="MinVersion"/>; and the feature checks runc makes before pre-dump and lazy pages.
/// </summary>
public static class CriuSupport
{
    /// <summary>runc's minimum: the version RPC came with CRIU 3.0 (30000).</summary>
    public const int MinVersion = 30000;

    /// <summary>
    /// True when checkpoint and restore can be attempted: criu is found and is new enough. Otherwise
    /// <paramref name="reason"/> says why (for `features`' org.opencontainers.runc.checkpoint.enabled).
    /// Costs one short `criu swrk` run.
    /// </summary>
    public static bool IsSupported(out string reason)
    {
        try
        {
            CheckVersion(MinVersion);
            reason = "";
            return true;
        }
        catch (Exception ex)
        {
            reason = ErrorText.Render(ex);
            return false;
        }
    }

    /// <summary>The version as one number, major*10000 + minor*100 + sublevel (runc's GetCriuVersion).</summary>
    public static int Version()
    {
        criu_resp resp;
        try
        {
            resp = new CriuSwrk().Run(new criu_req { Type = criu_req_type.Version });
        }
        catch (Exception ex)
        {
            throw new ContainerException("CRIU version check failed", ex);
        }
        if (resp.Version is not { } v) throw new ContainerException("CRIU version check failed: no version in the response");
        int n = v.MajorNumber * 10000 + v.MinorNumber * 100 + (v.HasSublevel ? v.Sublevel : 0);
        Log.Debug($"Using CRIU {n}");
        return n;
    }

    /// <summary>Throws unless criu is at least <paramref name="min"/>.</summary>
    public static int CheckVersion(int min)
    {
        int v = Version();
        if (v < min) throw new ContainerException($"CRIU version {v} must be {min} or higher");
        return v;
    }

    /// <summary>runc's checkCriuFeatures: asks criu (FEATURE_CHECK) and names what it lacks.</summary>
    internal static void CheckFeatures(bool memTrack, bool lazyPages)
    {
        var want = new criu_features();
        if (memTrack) want.MemTrack = true;
        if (lazyPages) want.LazyPages = true;
        criu_resp resp;
        try
        {
            resp = new CriuSwrk().Run(new criu_req { Type = criu_req_type.FeatureCheck, Features = want });
        }
        catch (Exception ex)
        {
            throw new ContainerException("CRIU feature check failed", ex);
        }
        var have = resp.Features ?? new criu_features();
        var missing = new List<string>();
        // as runc: a feature criu does not report at all is not counted as missing
        if (memTrack && have.HasMemTrack && !have.MemTrack) missing.Add("MemTrack");
        if (lazyPages && have.HasLazyPages && !have.LazyPages) missing.Add("LazyPages");
        if (missing.Count > 0) throw new ContainerException($"criu is missing features: [{string.Join(' ', missing)}]");
    }

    /// <summary>
    /// The pipe criu's lazy-pages server (the checkpoint side of a lazy migration) reads pages through:
    /// PIPE_MAX_SIZE pages, (1 &lt;&lt; PAGE_ALLOC_COSTLY_ORDER) * PAGE_SIZE / sizeof(struct pipe_buffer)
    /// (criu/include/page-pipe.h: 8 * 4096 / 40 = 819 pages on x86_64).
    /// </summary>
    internal static int LazyServerPipeBytes => 8 * Environment.SystemPageSize / 40 * Environment.SystemPageSize;

    /// <summary>
    /// Whether criu can serve pages lazily from here. Its server grows a pipe to <see cref="LazyServerPipeBytes"/>
    /// and, when the kernel refuses (above fs.pipe-max-size without CAP_SYS_RESOURCE), goes on without the
    /// pipe's sink: the first page a lazy-pages daemon asks for fails (page-pipe "splice: -1: Bad file
    /// descriptor"), after the dump was announced ready. Probed here with a pipe of our own, before criu runs.
    /// </summary>
    internal static void CheckLazyPagesServer()
    {
        var (r, w) = Libc.Pipe();
        using (r)
        using (w)
        {
            int bytes = LazyServerPipeBytes;
            if (Libc.fcntl(r.Fd, Libc.F_SETPIPE_SZ, bytes) >= 0) return;
            var cause = new SyscallException("fcntl", Check.LastErrno);
            string max = TryReadTrimmed("/proc/sys/fs/pipe-max-size") ?? "?";
            throw new ContainerException(
                $"criu cannot serve lazy pages here: its page server needs a pipe of {bytes} bytes, above fs.pipe-max-size ({max}) without CAP_SYS_RESOURCE",
                cause);
        }
    }

    private static string? TryReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
