using Skiff.LibContainer.Init;
using Skiff.LibContainer.Processes;
using Skiff.Linux;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `exec`: runs a new process in the container's namespaces and cgroup. Detached it returns 0 once the
    /// process runs; in the foreground it forwards signals (and the terminal) and returns the exit status.
    /// </summary>
    public int Exec(ExecOptions o)
    {
        switch (Status)
        {
            case ContainerStatus.Stopped: throw new ContainerException("cannot exec in a stopped container");
            case ContainerStatus.Paused when !o.IgnorePaused:
                throw new ContainerException("cannot exec in a paused container (use --ignore-paused to override)");
        }
        var process = o.BuildProcess(Config);
        if (process.Terminal && o.ConsoleSocket is null && o.Detach)
            throw new ContainerException("cannot allocate tty if skiff will detach without setting console socket");
        if (!process.Terminal && o.ConsoleSocket is not null)
            throw new ContainerException("cannot use console socket if skiff will not detach or allocate tty");

        SafeFd? ourEnd = null, theirEnd = null;
        if (process.Terminal && o.ConsoleSocket is null) (ourEnd, theirEnd) = Libc.SocketPair(Libc.SOCK_STREAM);
        using SafeFd? console = o.ConsoleSocket is not null ? ConsoleSocket.Connect(o.ConsoleSocket) : theirEnd;
        var config = new InitConfig
        {
            ContainerId = Id,
            Bundle = Bundle,
            Rootfs = Rootfs,
            Spec = Config,
            Process = process,
            IsSetns = true,
            PreserveFds = o.PreserveFds,
            CreateConsole = process.Terminal,
        };
        var cgroup = Cgroup();
        var p = new SetnsProcess(config, cgroup, _state.NamespacePaths, console) { IntelRdtPath = _state.IntelRdtPath };
        using (var rb = new Rollback())
        {
            try
            {
                p.Start(rb);
            }
            catch (Exception ex)
            {
                throw new ContainerException("unable to start container process", ex);
            }
            finally
            {
                theirEnd?.Dispose();
            }
            rb.Commit();
        }
        if (o.PidFile is not null) WritePidFile(o.PidFile, p.Pid);
        if (o.Detach) return 0;
        using var forward = new SignalForwarder(p.Pid);
        TtyRelay? tty = null;
        try
        {
            if (ourEnd is not null)
            {
                using (ourEnd)
                {
                    tty = new TtyRelay(ConsoleSocket.ReceiveFd(ourEnd, out _));
                }
                forward.OnResize = tty.Resize;
                tty.Start();
            }
            int status = Libc.WaitExit(p.Pid);
            tty?.Finish();
            return status;
        }
        finally
        {
            tty?.Dispose();
        }
    }
}
