using System.Text;
using Skiff.Cli.CommandLine;
using Skiff.LibContainer;
using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.Cli.Commands;

/// <summary>
/// `skiff shim` (hidden): `create`, then stay the parent of the container's init until it exits, for the .NET
/// library (package Skiff). A process that is not init's parent cannot learn its exit status; `create` exits at
/// once, so the library runs this instead, as its own child, and waits for it over a pidfd: its exit code is
/// the container's (128+N when killed by signal N). Progress goes as lines to --status-fd:
/// <code>
///   created PID          the container exists (state "created"; "running" with --start)
///   exited STATUS OOM    init exited with STATUS; OOM is the cgroup's oom_kill count at that moment
/// </code>
/// --start also starts the container (a failed start deletes it), --rm deletes it once init has exited (as
/// `run` without --keep): with both, one process does what create, start and delete would.
/// A failed create writes nothing there: the error is the usual top-level one (log file and exit code 1).
/// After "created" the shim points its own stdio at /dev/null, so the container's pipes reach EOF when the
/// container's processes close them, not when the shim exits. It reaps only init (waitpid on init's pid).
/// </summary>
internal sealed class ShimCommand : Command
{
    public override string Name => "shim";
    public override string Usage => "create a container and wait for its init (used by the .NET library)";
    public override bool Hidden => true;

    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Launcher.CreateFlags[0], Launcher.CreateFlags[1], Launcher.CreateFlags[2],
        Flag.Int("status-fd", "file descriptor that receives the \"created PID\" and \"exited STATUS OOM\" lines"),
        Flag.Bool("start", "start the container's process once it is created"),
        Flag.Bool("rm", "delete the container once its init has exited"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Exact);
        int statusFd = inv.Args.Int("status-fd");
        if (statusFd < 3) throw new ContainerException("shim: --status-fd must name a descriptor above 2");
        // the container's init must not inherit the status pipe
        Check.Rc(Libc.fcntl(statusFd, Libc.F_SETFD, Libc.FD_CLOEXEC), "fcntl", statusFd.ToString());
        using var status = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(statusFd, ownsHandle: true),
            FileAccess.Write, bufferSize: 0);
        Container c;
        try
        {
            var o = Launcher.Prepare(inv, run: false);
            using (o.Init) c = Container.Create(o);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new ContainerException($"{App.Name} create failed", ex);
        }
        try
        {
            if (inv.Args.Bool("start")) c.Start();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            try { c.Delete(force: true); } catch (Exception dex) when (dex is not OutOfMemoryException) { Log.Warn(ErrorText.Render(dex)); }
            throw new ContainerException($"{App.Name} start failed", ex);
        }
        status.Write(Encoding.ASCII.GetBytes($"created {c.InitPid}\n"));
        DetachStdio();
        int code = Libc.WaitExit(c.InitPid);
        ulong oom = 0;
        try { oom = c.OomKillCount(); }
        catch (Exception ex) when (ex is not OutOfMemoryException) { /* no memory cgroup (rootless): no count */ }
        if (inv.Args.Bool("rm"))
        {
            try { c.Delete(force: true); }
            catch (Exception ex) when (ex is not OutOfMemoryException) { Log.Warn($"deleting container {c.Id}: {ErrorText.Render(ex)}"); }
        }
        try { status.Write(Encoding.ASCII.GetBytes($"exited {code} {oom}\n")); }
        catch (IOException) { /* the library went away; the exit code still tells */ }
        return code;
    }

    private static void DetachStdio()
    {
        using var devNull = Libc.Open("/dev/null", Libc.O_RDWR);
        for (int fd = 0; fd <= 2; fd++) Check.Rc(Libc.dup3(devNull.Fd, fd, 0), "dup3", "/dev/null");
    }
}
