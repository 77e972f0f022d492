using Skiff.Cgroups.Rdt;
using Skiff.LibContainer.Hooks;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `delete`: a stopped or created container is removed; a running or paused one only with
    /// <paramref name="force"/> (killed first). Removes the cgroup and the state, then runs poststop hooks.
    /// </summary>
    public void Delete(bool force)
    {
        using var lk = StateLock.AcquireExisting(StateDir, Id);
        if (!File.Exists(Path.Combine(StateDir, StateFile))) throw new ContainerNotExistException(Id);
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
        if (!Namespaces.IsNew(Config, "pid") || IsPaused()) SignalAll(9);
        else Libc.kill(InitPid, 9);
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

    /// <summary>Removes what the container holds on the host (runc's destroy): cgroup, state dir; then poststop hooks.</summary>
    private void Destroy()
    {
        var cg = Cgroup();
        // processes that outlived init (no pid namespace) would keep the cgroup busy
        if (cg.GetAllPids().Count > 0) SignalAll(9);
        cg.Destroy();
        if (!string.IsNullOrEmpty(_state.IntelRdtPath) && Config.Linux?.IntelRdt is { } rdt)
            IntelRdtManager.FromState(rdt, Id, _state.IntelRdtPath).Destroy();
        DetachCriuRoot(StateDir);
        Directory.Delete(StateDir, recursive: true);
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
}
