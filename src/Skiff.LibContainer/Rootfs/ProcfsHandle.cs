using System.Text;
using Skiff.Linux;
using Skiff.Linux.Logging;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// A procfs that the container's mounts cannot cover (the CVE-2025-52881 class, as runc's pathrs-lite procfs):
/// every write skiff init makes under /proc (sysctls, attr/*, fd re-opens) goes through it. Preferably a private,
/// detached procfs instance (fsopen("proc") + fsmount: no path reaches it, so nothing can be mounted on it); else a
/// non-recursive clone of the /proc mount (open_tree(OPEN_TREE_CLONE): overmounts are not copied); else /proc itself,
/// checked to be the root of a procfs. Every lookup below the root is openat2(RESOLVE_BENEATH|RESOLVE_NO_XDEV|
/// RESOLVE_NO_MAGICLINKS), so an overmount on the way is refused (EXDEV) rather than followed.
/// skiff init takes the /proc it has before the container's mounts instead (<see cref="UseCurrent"/>).
/// </summary>
internal sealed class ProcfsHandle : IDisposable
{
    private const ulong PROC_ROOT_INO = 1;
    private const ulong Beneath = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS;
    private static ProcfsHandle? s_shared, s_private;
    private readonly bool _current;
    private SafeFd? _fdDir;
    private int _fdDirThread;

    private ProcfsHandle(SafeFd root, string kind, bool current = false)
    {
        Root = root;
        Kind = kind;
        _current = current;
    }

    /// <summary>The root of the procfs (O_PATH directory).</summary>
    public SafeFd Root { get; }

    /// <summary>How the handle was made (for --debug): "fsopen", "open_tree" or "/proc".</summary>
    public string Kind { get; }

    /// <summary>The handle of this process, made on first use.</summary>
    public static ProcfsHandle Shared => s_shared ??= Open();

    /// <summary>
    /// skiff init, before it mounts anything of the container's and before it joins a container's mount namespace:
    /// the /proc it has now becomes the shared handle, checked to be the root of a procfs. That is the host's /proc
    /// (an exec's init), or its copy in the mount namespace nsexec made (a container's init, which keeps it through
    /// the root switch): no process of the container exists yet or can reach it, so nothing of the container can be
    /// mounted on it. Unlike a private instance it costs nothing to drop: a private procfs is a detached mount, and
    /// the close of the last fd on one (at the exec of the container's process, as the handle closes on exec)
    /// unmounts it and waits for an RCU grace period, about 1 ms here, between the exec and the process's first
    /// instruction. Where that /proc hides a file (a procfs mounted with subset=pid has no sys/) or a mount of the
    /// host's still covers it (a container's init writes its sysctls after the root switch, when the old root's
    /// mounts are detached and no longer in the way), <see cref="Write"/> goes on in a private instance.
    /// </summary>
    public static void UseCurrent()
    {
        SafeFd fd = Libc.Open("/proc", O_PATH | O_DIRECTORY);
        try
        {
            Verify(fd, "/proc");
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        s_shared?.Dispose();
        s_shared = new ProcfsHandle(fd, "/proc before the container's mounts", current: true);
        if (Log.IsDebug) Log.Debug($"procfs handle: {s_shared.Kind}");
    }

    /// <summary>Drops the shared handle (init, before the final exec; the fd is close-on-exec anyway).</summary>
    public static void CloseShared()
    {
        s_shared?.Dispose();
        s_shared = null;
    }

    public static ProcfsHandle Open()
    {
        SafeFd? fd = TryFsopen(out Errno e1);
        string kind = "fsopen";
        Errno e2 = Errno.OK;
        if (fd is null)
        {
            int r = open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
            if (r >= 0) { fd = new SafeFd(r); kind = "open_tree"; }
            else e2 = Check.LastErrno;
        }
        if (fd is null)
        {
            fd = Libc.Open("/proc", O_PATH | O_DIRECTORY);
            kind = "/proc";
        }
        try
        {
            Verify(fd, "/proc");
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        if (Log.IsDebug) Log.Debug($"procfs handle: {kind} (fsopen: {e1.Text()}, open_tree: {e2.Text()})");
        return new ProcfsHandle(fd, kind);
    }

    private static SafeFd? TryFsopen(out Errno e)
    {
        e = Errno.OK;
        int fs = fsopen("proc", FSOPEN_CLOEXEC);
        if (fs < 0) { e = Check.LastErrno; return null; }
        using var fsFd = new SafeFd(fs);
        if (fsconfig(fs, FSCONFIG_SET_STRING, "source", "proc") < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, null, null) < 0)
        {
            e = Check.LastErrno;
            return null;
        }
        int m = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (m < 0) { e = Check.LastErrno; return null; }
        return new SafeFd(m);
    }

    /// <summary>The fd must be the root inode of a procfs.</summary>
    private static void Verify(SafeFd fd, string what)
    {
        Check.Rc(Fstatfs(fd.Fd, out var st), "fstatfs", what);
        Check.Rc(StatModeIno(fd.Fd, "", AT_EMPTY_PATH, out _, out ulong ino), "statx", what);
        if (st.Type != PROC_SUPER_MAGIC || ino != PROC_ROOT_INO)
            throw new ContainerException($"{what} is not the root of a procfs (type 0x{st.Type:x}, inode {ino})");
    }

    /// <summary>Opens <paramref name="sub"/> ("sys/kernel/domainname", "thread-self/attr/exec") below the root,
    /// refusing symlinks out of it, magic links and any mount crossed on the way.</summary>
    public SafeFd OpenBeneath(string sub, int flags)
    {
        int fd = openat2(Root.Fd, sub, flags | O_CLOEXEC, 0, Beneath);
        // openat2 missing (an old kernel, or a seccomp profile older than it whose -ENOSYS stub answers) or refused
        // (an allow-list without it, whose default errno answers: EPERM): the exec fifo and the fd directory are
        // opened after the filter is loaded. Then a plain openat below the handle's root, still checked to land on a
        // procfs below. The private procfs instance has no mounts on it to cross.
        if (fd < 0 && Check.LastErrno is Errno.ENOSYS or Errno.EPERM)
        {
            fd = openat(Root.Fd, sub, flags | O_CLOEXEC, 0);
            if (fd < 0) Check.Throw("openat", Check.LastErrno, "/proc/" + sub);
        }
        if (fd < 0) Check.Throw("openat2", Check.LastErrno, "/proc/" + sub);
        var h = new SafeFd(fd);
        if (Fstatfs(fd, out var st) < 0 || st.Type != PROC_SUPER_MAGIC)
        {
            h.Dispose();
            throw new ContainerException($"/proc/{sub} is not on a procfs");
        }
        return h;
    }

    /// <summary>Writes <paramref name="value"/> to /proc/<paramref name="sub"/> in one write(2), as sysctl and
    /// the LSM attr files want (no O_CREAT: a file that is not there is an error).</summary>
    public void Write(string sub, string value)
    {
        SafeFd fd;
        try
        {
            fd = OpenBeneath(sub, O_WRONLY | O_TRUNC);
        }
        catch (SyscallException ex) when (_current && ex.Errno is Errno.EXDEV or Errno.ENOENT)
        {
            // hidden or covered by the host's own mounts (see UseCurrent): a private instance has neither
            if (Log.IsDebug) Log.Debug($"procfs handle: /proc/{sub} on {Kind}: {ex.Errno.Text()}, written through a private procfs");
            (s_private ??= Open()).Write(sub, value);
            return;
        }
        using var _ = fd;
        try
        {
            WriteAll(fd, Encoding.UTF8.GetBytes(value));
        }
        catch (SyscallException ex)
        {
            throw new SyscallException("write", ex.Errno, "/proc/" + sub);
        }
    }

    /// <summary>Where the fd points (readlinkat of thread-self/fd/N through this handle).</summary>
    public string FdPath(int fd)
    {
        string name = fd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ReadLinkAt(FdDir().Fd, name) ?? throw new SyscallException("readlinkat", Check.LastErrno, "/proc/thread-self/fd/" + name);
    }

    /// <summary>Opens the file behind <paramref name="fd"/> again with new flags (the magic link thread-self/fd/N,
    /// reached through this handle).</summary>
    public SafeFd Reopen(int fd, int flags)
    {
        string name = fd.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Check.Fd(openat(FdDir().Fd, name, flags | O_CLOEXEC, 0), "open", "/proc/thread-self/fd/" + name);
    }

    /// <summary>thread-self/fd of the calling thread, opened once per thread (a managed thread stays on its OS
    /// thread).</summary>
    private SafeFd FdDir()
    {
        int thread = Environment.CurrentManagedThreadId;
        if (_fdDir is null || _fdDirThread != thread)
        {
            _fdDir?.Dispose();
            _fdDir = OpenBeneath("thread-self/fd", O_PATH | O_DIRECTORY);
            _fdDirThread = thread;
        }
        return _fdDir;
    }

    public void Dispose()
    {
        _fdDir?.Dispose();
        Root.Dispose();
    }
}
