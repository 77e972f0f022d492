using Skiff.LibContainer.Criu;
using Skiff.LibContainer.Criu.Rpc;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>Created in the state dir by criu's post-dump notification (runc's "checkpoint" marker).</summary>
    private const string CheckpointMarker = "checkpoint";

    /// <summary>
    /// `checkpoint`: criu dumps the container's process tree into <see cref="CriuOptions.ImagesDirectory"/>
    /// (runc's Container.Checkpoint). Unless <see cref="CriuOptions.LeaveRunning"/> or
    /// <see cref="CriuOptions.PreDump"/>, criu kills the tree and the container is removed as by `delete`.
    /// </summary>
    public void Checkpoint(CriuOptions o)
    {
        var status = Status;
        if (status is ContainerStatus.Created or ContainerStatus.Stopped)
            throw new ContainerException($"Container cannot be checkpointed in {status.Text()} state");
        using (StateLock.AcquireExisting(StateDir, Id))
        {
            Dump(o);
        }
        if (!o.LeaveRunning && !o.PreDump)
        {
            try
            {
                Delete(force: true);
            }
            catch (Exception ex)
            {
                Log.Warn(ErrorText.Render(ex));
            }
        }
    }

    private void Dump(CriuOptions o)
    {
        bool wasPaused = Status == ContainerStatus.Paused;
        var opts = CriuCommon.Begin(o, dump: true, out SafeFd imageDir);
        using var imageDirOwner = imageDir;
        opts.Root = Rootfs;
        opts.Pid = InitPid;
        opts.LeaveRunning = o.LeaveRunning;
        opts.TcpSkipInFlight = o.TcpSkipInFlight;
        opts.LinkRemap = o.LinkRemap;
        using var workDir = CriuCommon.OpenWorkDir(opts, o);
        CriuCommon.ConfigFile(opts, Config);
        string logDir = o.LogDirectory;

        // A joined network or pid namespace is dumped as external: restore expects it to exist again.
        foreach (var (type, proc) in new[] { ("network", "net"), ("pid", "pid") })
        {
            if (NamespaceSet.JoinedPath(type) is not { } nsPath) continue;
            var st = Libc.TryStat(nsPath) ?? throw new SyscallException("stat", Check.LastErrno, nsPath);
            opts.External.Add($"{proc}[{st.Ino}]:{CriuCommon.ExternalKey(proc)}");
        }

        // criu freezes through the freezer cgroup when there is one, else with ptrace
        if (_state.CgroupPaths.TryGetValue("freezer", out string? freezer) && freezer.Length > 0)
            opts.FreezeCgroup = freezer;

        if (o.PageServerAddress.Length > 0 && o.PageServerPort != 0)
            opts.Ps = new criu_page_server_info { Address = o.PageServerAddress, Port = o.PageServerPort };

        if (o.ParentImage.Length > 0)
        {
            opts.ParentImg = o.ParentImage;
            opts.TrackMem = true;
        }

        if (o.PreDump) CriuSupport.CheckFeatures(memTrack: true, lazyPages: false);
        if (o.LazyPages)
        {
            CriuSupport.CheckFeatures(memTrack: false, lazyPages: true);
            if (!TestKnob.CriuPipeClamped) CriuSupport.CheckLazyPagesServer();
            if (o.StatusFd != -1)
            {
                int flags = Libc.fcntl(o.StatusFd, Libc.F_GETFL, 0);
                if (flags < 0)
                    throw new ContainerException($"invalid --status-fd argument {o.StatusFd}", new SyscallException("fcntl", Check.LastErrno));
                if ((flags & (Libc.O_WRONLY | Libc.O_RDWR)) == 0)
                    throw new ContainerException($"invalid --status-fd argument {o.StatusFd}: not writable");
                // criu >= 3.15 reports readiness with the status-ready notification, handled below
            }
        }

        var req = new criu_req { Type = o.PreDump ? criu_req_type.PreDump : criu_req_type.Dump, Opts = opts };
        if (!o.PreDump)
        {
            CriuMounts.AddForDump(opts, CriuMounts.Of(Config, NamespaceSet, Bundle, _state.CgroupPaths));
            foreach (string p in CriuMounts.MaskedFiles(Config, InitPid))
                opts.ExtMnt.Add(new ext_mount_map { Key = p, Val = "/dev/null" });
            var fds = _state.ExternalDescriptors ?? CriuCommon.StdioOf(InitPid);
            AtomicFile.Write(Path.Combine(o.ImagesDirectory, CriuCommon.DescriptorsFile), CriuCommon.DescriptorsJson(fds), 0x180 /* 0600 */,
                durable: true);
        }

        int statusFd = o.StatusFd;
        var swrk = new CriuSwrk
        {
            OnNotify = (notify, _) =>
            {
                switch (notify.Script)
                {
                    case "post-dump":
                        File.WriteAllBytes(Path.Combine(StateDir, CheckpointMarker), []);
                        break;
                    case "status-ready":
                        if (statusFd != -1)
                        {
                            // the fd is the caller's: owned (and closed) from here on, as runc does
                            using var fd = new SafeFd(statusFd);
                            statusFd = -1;
                            try { Libc.WriteAll(fd, [0], "write status fd"); }
                            catch (Exception ex) { Log.Warn($"can't write \\0 to status fd: {ErrorText.Render(ex)}"); }
                        }
                        break;
                    // network-lock/-unlock: skiff configures no interfaces of its own (runc's loopback strategy does nothing)
                }
            },
        };
        try
        {
            swrk.Run(req);
        }
        catch (Exception)
        {
            CriuCommon.QuoteLog(logDir, opts.LogFile);
            // criu stopped while it held the container's freezer cgroup frozen: leave the container as it was
            if (!wasPaused) ThawAfterFailedDump();
            throw;
        }
    }

    private void ThawAfterFailedDump()
    {
        try
        {
            var cgroup = Cgroup();
            if (cgroup.IsFrozen()) cgroup.Thaw();
        }
        catch (Exception ex)
        {
            Log.Warn($"thawing container {Id} after the failed checkpoint: {ErrorText.Render(ex)}");
        }
    }
}
