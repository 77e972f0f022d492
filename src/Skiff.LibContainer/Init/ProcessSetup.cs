using Skiff.LibContainer.ProcessAttributes;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Init;

/// <summary>
/// runc's finalizeNamespace, in runc's order, for both init and setns processes. Per-thread kernel state
/// (bounding set, keepcaps, capset, ambient) is set on the calling thread: call it on the thread that will go on
/// to set no_new_privs, load seccomp and exec, with nothing in between that could run on another thread.
/// </summary>
internal static class ProcessSetup
{
    /// <param name="process">The process to run (user, cwd, capabilities).</param>
    /// <param name="env">The process environment; HOME is filled in when missing.</param>
    /// <param name="preserveFds">--preserve-fds: fds 3 .. 3+N-1 stay open across exec.</param>
    /// <param name="rootlessEuid">runc's RootlessEUID (no supplementary groups).</param>
    /// <param name="keepOriginalGroups">run.oci.keep_original_groups: keep the inherited supplementary groups.</param>
    public static void FinalizeNamespace(Process process, List<string> env, int preserveFds, bool rootlessEuid, bool keepOriginalGroups = false)
    {
        // Anything we inherited or opened that the container should not see (runc's CloseExecFrom).
        try { Libc.MarkCloexecFrom(preserveFds + 3, FinalExec.FdDir); }
        catch (Exception ex) when (ex is SyscallException or IOException)
        {
            throw new ContainerException("error closing exec fds", ex);
        }

        // chdir first as the runtime's user; on EACCES/EPERM try again once we are the container's user.
        string cwd = process.Cwd;
        bool doChdir = cwd.Length > 0;
        if (doChdir)
        {
            Errno e = Check.Try(Libc.chdir(cwd));
            if (e == Errno.OK) doChdir = false;
            else if (e != Errno.EACCES && e != Errno.EPERM) throw ChdirFailed(cwd, e);
        }

        CapabilityConfig caps = Capabilities.Resolve(process.Capabilities);
        try { Capabilities.ApplyBoundingSet(caps); }
        catch (SyscallException ex) { throw new ContainerException("unable to apply bounding set", ex); }

        try { Identity.Apply(process.User, env, rootlessEuid, keepOriginalGroups); }
        catch (Exception ex) when (ex is SyscallException or ContainerException)
        {
            throw new ContainerException("unable to setup user", ex);
        }

        if (doChdir)
        {
            Errno e = Check.Try(Libc.chdir(cwd));
            if (e != Errno.OK) throw ChdirFailed(cwd, e);
        }

        try { Capabilities.ApplyCaps(caps); }
        catch (SyscallException ex) { throw new ContainerException("unable to apply caps", ex); }
    }

    private static ContainerException ChdirFailed(string cwd, Errno e) =>
        new($"chdir to cwd ({GoQuote.Quote(cwd)}) set in config.json failed: {e.Text()}");
}
