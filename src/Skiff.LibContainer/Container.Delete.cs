using Skiff.Cgroups.Rdt;
using Skiff.LibContainer.Hooks;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `delete ID` as the CLI runs it: <see cref="Delete(bool)"/> under the state lock, idempotent with
    /// <paramref name="force"/>: a container already gone (before or after the lock, e.g. a concurrent delete) is
    /// success; a state directory without state.json (a create killed before it wrote one) is removed.
    /// Without force, a missing container is <see cref="ContainerNotExistException"/>.
    /// </summary>
    public static void Delete(string root, string id, bool force)
    {
        Ids.Validate(id);
        string dir = Path.Combine(root, id);
        try
        {
            using var lk = StateLock.AcquireExisting(dir, id);
            if (!File.Exists(Path.Combine(dir, StateFile)))
            {
                // the lock is ours: no create is writing here, so this is what a killed create left (or a finished delete)
                RemoveStateDir(dir);
                throw new ContainerNotExistException(id);
            }
            var c = Load(root, id);
            c.DeleteLocked(force);
        }
        catch (ContainerNotExistException) when (force)
        {
        }
    }

    /// <summary>
    /// `delete`: a stopped or created container is removed; a running or paused one only with
    /// <paramref name="force"/> (killed first). Removes the cgroup and the state, then runs poststop hooks.
    /// </summary>
    public void Delete(bool force)
    {
        using var lk = StateLock.AcquireExisting(StateDir, Id);
        // another verb may have finished a create or a delete while we waited for the lock
        Reload();
        DeleteLocked(force);
    }

    private void DeleteLocked(bool force)
    {
        var status = Status;
        switch (status)
        {
            case ContainerStatus.Stopped:
                break;
            case ContainerStatus.Created:
                KillAndWait();
                break;
            default:
                if (!force) throw new ContainerException($"cannot delete container {Id} that is not stopped: {status.Text()}");
                KillAndWait();
                break;
        }
        Destroy();
    }

    /// <summary>SIGKILL to init (and, without a private pid namespace, the whole cgroup); waits until init is gone.</summary>
    private void KillAndWait()
    {
        if (!NamespaceSet.IsNew("pid"))
        {
            SignalAll(9);
        }
        else
        {
            // init's death ends its pid namespace; nothing else in the cgroup is signalled (it may not be ours)
            if (InitPid > 0) Libc.kill(InitPid, 9);
            if (IsPaused())
            {
                try { Cgroup().Thaw(); } catch (Exception ex) { Log.Warn($"thawing after kill: {ErrorText.Render(ex)}"); }
            }
        }
        WaitStopped(TimeSpan.FromSeconds(10));
    }

    private void WaitStopped(TimeSpan timeout)
    {
        int pidfd = Libc.pidfd_open(InitPid, 0);
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            while (ProcStat.IsAlive(InitPid, _state.InitStart))
            {
                if (DateTime.UtcNow > deadline) throw new ContainerException($"container init (pid {InitPid}) still alive after SIGKILL");
                if (pidfd >= 0) Libc.PollOne(pidfd, Libc.POLLIN, 100);
                else Thread.Sleep(5);
            }
        }
        finally
        {
            if (pidfd >= 0) Libc.close(pidfd);
        }
    }

    /// <summary>
    /// Removes what the container holds on the host (runc's destroy): its processes, cgroup, RDT group, state dir;
    /// then poststop hooks. Only the container's processes are signalled: init (checked by start time: an init left
    /// by a crashed create), and the whole cgroup only without a private pid namespace, where processes outlive init.
    /// </summary>
    private void Destroy()
    {
        if (ProcStat.IsAlive(InitPid, _state.InitStart))
        {
            Libc.kill(InitPid, 9);
            WaitStopped(TimeSpan.FromSeconds(10));
        }
        var cg = Cgroup();
        if (!NamespaceSet.IsNew("pid") && cg.GetAllPids().Count > 0) SignalAll(9);
        cg.Destroy();
        if (!string.IsNullOrEmpty(_state.IntelRdtPath) && Config.Linux?.IntelRdt is { } rdt)
            IntelRdtManager.FromState(rdt, Id, _state.IntelRdtPath, _state.IntelRdtCreated).Destroy();
        RemoveStateDir(StateDir);
        if (Config.Hooks?.Poststop is { Count: > 0 } hooks)
        {
            var st = OciState();
            st.Status = "stopped";
            st.Pid = 0;
            try
            {
                HookRunner.Run("poststop", hooks, st);
            }
            catch (Exception ex)
            {
                Log.Warn(ErrorText.Render(ex));
            }
        }
    }

    private static void RemoveStateDir(string dir)
    {
        DetachCriuRoot(dir); // a restore's bind of the rootfs there must never be deleted through
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
