using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// The binary `skiff init` and an exec'd process run (CVE-2019-5736). Never the host's file: a process in the
/// container could open it through /proc/self/exe (or /proc/PID/exe) and, once nothing executes it any more, write
/// it through /proc/self/fd/N, and the next skiff anyone runs on the host would be the attacker's. Instead a clone
/// the container cannot write, which the caller executes through its fd (<see cref="Spawner"/>'s exe argument):
/// <list type="bullet">
/// <item>a detached read-only bind mount of /proc/self/exe (open_tree(OPEN_TREE_CLONE) + mount_setattr
/// MOUNT_ATTR_RDONLY): no copy; /proc/self/exe of the child resolves to a file on a read-only mount of no mount
/// namespace, and opening it for writing fails with EROFS;</item>
/// <item>where the mount API is missing or refused (rootless, before Linux 5.12): a sealed memfd copy
/// (F_SEAL_SEAL|SHRINK|GROW|WRITE), as runc 1.1 and crun do: writes fail with EPERM.</item>
/// </list>
/// Closing the mount's fd dissolves the detached mount, which waits for an RCU grace period (0.3-1 ms here): the
/// caller closes it off its own path (<see cref="LogForwarder.Start"/>), after the child has its own reference.
/// </summary>
internal static class ExeClone
{
    private const string SelfExe = "/proc/self/exe";

    /// <summary>A clone of this process's binary (close-on-exec), read-only mount first, sealed memfd otherwise.</summary>
    public static SafeFd Open()
    {
        SafeFd? mount = TryReadonlyMount(out SyscallException? why);
        if (mount is not null)
        {
            if (Log.IsDebug) Log.Debug("skiff exeseal: using /proc/self/exe clone (read-only detached bind mount)");
            return mount;
        }
        if (Log.IsDebug) Log.Debug($"skiff exeseal: read-only bind mount of {SelfExe} failed ({why!.Message}), falling back to a sealed memfd copy");
        try
        {
            SafeFd copy = SealedCopy(out long size);
            if (Log.IsDebug) Log.Debug($"skiff exeseal: using /proc/self/exe clone (sealed memfd copy, {size} bytes)");
            return copy;
        }
        catch (SyscallException ex)
        {
            throw new ContainerException($"unable to create a safe {SelfExe} clone for skiff init", ex);
        }
    }

    private static SafeFd? TryReadonlyMount(out SyscallException? why)
    {
        // in nsexec.c, which also makes it for the early spawn of init, before the runtime starts
        int fd, failed;
        try { fd = Libc.nsexec_exe_clone(out failed); }
        catch (DllNotFoundException) // under the JIT (tests of the library): no nsexec linked, the copy then
        {
            why = new SyscallException("open_tree(OPEN_TREE_CLONE)", Errno.ENOSYS, SelfExe);
            return null;
        }
        if (fd < 0)
        {
            why = new SyscallException(failed == 1 ? "open_tree(OPEN_TREE_CLONE)" : "mount_setattr(MOUNT_ATTR_RDONLY)",
                (Errno)(-fd), SelfExe);
            return null;
        }
        why = null;
        return new SafeFd(fd);
    }

    /// <summary>An executable memfd holding a copy of the binary, sealed against writes, growth and shrinking.</summary>
    private static SafeFd SealedCopy(out long size)
    {
        using SafeFd src = Check.Fd(Libc.open(SelfExe, Libc.O_RDONLY | Libc.O_CLOEXEC, 0), "open", SelfExe);
        size = Libc.FStat(src).Size;
        const string name = "skiff_cloned:/proc/self/exe";
        // MFD_EXEC (6.3+) keeps the memfd executable under vm.memfd_noexec=1; older kernels reject the flag
        int fd = Libc.memfd_create(name, Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING | Libc.MFD_EXEC);
        if (fd < 0 && Check.LastErrno == Errno.EINVAL)
            fd = Libc.memfd_create(name, Libc.MFD_CLOEXEC | Libc.MFD_ALLOW_SEALING);
        SafeFd copy = Check.Fd(fd, "memfd_create", name);
        try
        {
            Libc.SendfileAll(copy, src, size, SelfExe);
            Check.Rc(Libc.fchmod(copy.Fd, 0x149 /* 0511 */), "fchmod", name);
            Libc.fcntl(copy.Fd, Libc.F_ADD_SEALS, Libc.F_SEAL_EXEC); // 6.3+: nobody may chmod it back; optional
            Check.Rc(Libc.fcntl(copy.Fd, Libc.F_ADD_SEALS,
                Libc.F_SEAL_SEAL | Libc.F_SEAL_SHRINK | Libc.F_SEAL_GROW | Libc.F_SEAL_WRITE), "fcntl(F_ADD_SEALS)", name);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }
}
