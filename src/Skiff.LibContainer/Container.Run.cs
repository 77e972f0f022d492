using Skiff.LibContainer.Configs;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer;

public sealed partial class Container
{
    /// <summary>
    /// `run`: create + start. Detached it returns 0 once the process runs; in the foreground it forwards signals
    /// (and the terminal, when process.terminal is set without a console socket), waits, deletes the container
    /// unless --keep, and returns the exit status (128+N when killed by signal N).
    /// </summary>
    public static int Run(CreateOptions o)
    {
        SafeFd? ourEnd = null, theirEnd = null;
        var cfg = o.Config ?? LoadConfig(o);
        // runc: reparented orphans of the container come to us and are reaped with the container's process
        if (!o.Detach && !o.NoSubreaper) Libc.SetChildSubreaper();
        if (!o.Detach && o.ConsoleSocket is null && cfg.Spec.Process?.Terminal == true)
            (ourEnd, theirEnd) = Libc.SocketPair(Libc.SOCK_STREAM);
        Container c;
        try
        {
            c = Create(o, cfg, theirEnd);
        }
        finally
        {
            theirEnd?.Dispose();
        }
        if (o.Detach)
        {
            c.StartOrDestroy();
            return 0;
        }
        try
        {
            return ForegroundRunner.Run(c.InitPid, ourEnd, subreaper: !o.NoSubreaper, c.StartOrDestroy);
        }
        finally
        {
            if (!o.Keep)
            {
                try
                {
                    c.Delete(force: true);
                }
                catch (Exception ex)
                {
                    Log.Warn($"deleting container {c.Id}: {ErrorText.Render(ex)}");
                }
            }
        }
    }

    private void StartOrDestroy()
    {
        try
        {
            Start();
        }
        catch
        {
            try { Delete(force: true); } catch (Exception ex) { Log.Warn(ErrorText.Render(ex)); }
            throw;
        }
    }
}
