using Skiff.Linux;
using Skiff.Linux.Logging;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// Puts one mount into the rootfs (runc's mountToRootfs). The destination is resolved once inside the rootfs
/// (<see cref="RootDir"/>), made there if missing, checked (not on top of the rootfs, not into /proc or /sys through
/// a symlink, runc's checkProcMount), and the mount goes onto that fd: bind mounts as an open_tree(2) clone attached
/// with move_mount(MOVE_MOUNT_T_EMPTY_PATH), filesystems with mount(2) on /proc/thread-self/fd/N. proc and sysfs
/// only go on an ordinary directory reached without any symlink. Later steps (remount flags, propagation,
/// mount_setattr) act on an fd of the new mount, never on the path.
/// </summary>
internal static class MountToRootfs
{
    public const ulong DefaultMountFlags = MS_NOEXEC | MS_NOSUID | MS_NODEV;

    public static void Mount(MountContext c, MountEntry m)
    {
        switch (m.Device)
        {
            case "proc":
            case "sysfs":
                MountProcSys(c, m);
                return;
            case "cgroup":
                MountCgroup.Mount(c, m);
                return;
        }

        using SafeFd dst = OpenMountpoint(c, m, out bool existed);
        switch (m.Device)
        {
            case "tmpfs":
            {
                var e = m;
                if (existed && Check.Try(StatMode(dst.Fd, "", AT_EMPTY_PATH, out uint mode)) == Errno.OK)
                {
                    // Keep the permissions of the directory the tmpfs covers.
                    string dt = "mode=" + Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0');
                    e = With(m, data: m.Data.Length > 0 ? dt + "," + m.Data : dt);
                }
                if (m.TmpCopyUp && existed)
                {
                    using SafeFd copied = TmpfsCopyUp.Mount(e, dst);
                    SetPropagation(e, copied);
                    return;
                }
                using SafeFd? mnt = Propagate(c, e, dst);
                // rro & co. for tmpfs are applied in Finalize, after the read-only remount.
                return;
            }
            case "bind":
            {
                using SafeFd tree = BindMount(c, m, dst);
                if (!m.IsDev) SetRecAttr(m, tree);
                return;
            }
            default:
            {
                using SafeFd? mnt = Propagate(c, m, dst, needHandle: m.HasRecAttr && !m.IsDev);
                if (mnt is not null && !m.IsDev) SetRecAttr(m, mnt);
                return;
            }
        }
    }

    /// <summary>proc and sysfs: the destination must be an ordinary directory reached without following any symlink
    /// (dangling or not), and must not be inside /proc (runc's "funny business" check).</summary>
    private static void MountProcSys(MountContext c, MountEntry m)
    {
        string dest = MountEntry.CleanPath(m.Destination);
        CheckProcMount(c.Root.Path, dest, m);
        Errno e = c.Root.TryOpen(dest, O_PATH | O_NOFOLLOW, RESOLVE_NO_SYMLINKS, out SafeFd? fd);
        if (e == Errno.OK)
        {
            Check.Rc(StatMode(fd!.Fd, "", AT_EMPTY_PATH, out uint mode), "statx", c.Root.Display(dest));
            if ((mode & S_IFMT) != S_IFDIR) { fd.Dispose(); fd = null; e = Errno.ENOTDIR; }
        }
        if (e is Errno.ELOOP or Errno.ENOTDIR)
            throw new ContainerException($"filesystem \"{m.Device}\" must be mounted on ordinary directory");
        if (e == Errno.ENOENT)
        {
            try { fd = c.Root.MkdirAll(dest, 0x1ED /* 0755 */, followSymlinks: false, knownMissing: true); }
            catch (SyscallException ex) when (ex.Errno is Errno.ELOOP or Errno.ENOTDIR)
            {
                throw new ContainerException($"filesystem \"{m.Device}\" must be mounted on ordinary directory");
            }
        }
        else if (e != Errno.OK) Check.Throw("openat2", e, c.Root.Display(dest));

        using SafeFd dst = fd!;
        try
        {
            using SafeFd? mnt = Propagate(c, m, dst, needHandle: m.HasRecAttr);
            if (mnt is not null) SetRecAttr(m, mnt);
        }
        catch (SyscallException ex) when (m.Device == "sysfs" && ex.Errno == Errno.EPERM && c.UserNs && !c.NetNs)
        {
            // A user namespace that does not own a network namespace may not mount sysfs: bind the current /sys
            // instead (as crun, and runc since PR #5016).
            Log.Debug($"mounting sysfs at {m.Destination} failed with EPERM; falling back to rbind of /sys");
            using SafeFd tree = BindMount(c, new MountEntry
            {
                Source = "/sys", Destination = m.Destination, Device = "bind",
                Flags = MS_BIND | MS_REC | m.Flags, ClearedFlags = m.ClearedFlags,
                PropagationFlags = m.PropagationFlags,
            }, dst);
            SetRecAttr(m, tree);
        }
    }

    /// <summary>runc's createOpenMountpoint: the destination opened (O_PATH) inside the root, or made there (a
    /// directory, or an empty file for a bind mount of a file), then checked where it really is.</summary>
    public static SafeFd OpenMountpoint(MountContext c, MountEntry m, out bool existed)
    {
        Errno e = c.Root.TryOpen(m.Destination, O_PATH, out SafeFd? fd);
        existed = e == Errno.OK;
        if (e == Errno.ENOENT)
        {
            bool isFile = false;
            if (m.Device == "bind")
            {
                int rc = m.Src is { } src
                    ? StatMode(src.Fd.Fd, "", AT_EMPTY_PATH, out uint srcMode)
                    : StatMode(AT_FDCWD, m.Source, 0, out srcMode);
                if (rc < 0) Check.Throw("stat", Check.LastErrno, m.Source);
                isFile = (srcMode & S_IFMT) != S_IFDIR;
            }
            try
            {
                fd = isFile ? c.Root.CreateFile(m.Destination, 0x1A4 /* 0644 */)
                    : c.Root.MkdirAll(m.Destination, 0x1ED /* 0755 */, knownMissing: true);
            }
            catch (Exception ex) when (ex is SyscallException or ContainerException)
            {
                throw new ContainerException($"make mountpoint \"{m.Destination}\"", ex);
            }
        }
        else if (e != Errno.OK)
        {
            throw new ContainerException("lookup mountpoint target", new SyscallException("openat2", e, c.Root.Display(m.Destination)));
        }

        try
        {
            string real = c.Root.PathOf(fd!);
            if (real == "/")
                throw new ContainerException($"mountpoint \"{c.Root.Path}\" is on the top of rootfs \"{c.Root.Path}\"");
            CheckProcMount(c.Root.Path, real, m);
            CheckSymlinkIntoKernelFs(c.Root, m.Destination, real);
            return fd!;
        }
        catch
        {
            fd!.Dispose();
            throw;
        }
    }

    /// <summary>A destination that reaches /proc or /sys only through a symlink in the image is an attack
    /// (CVE-2025-52881: a tmpfs over the container's /proc/sys, then sysctls written into it).</summary>
    private static void CheckSymlinkIntoKernelFs(RootDir root, string destination, string real)
    {
        if (MountEntry.CleanPath(destination) == real) return;
        foreach (string fs in (ReadOnlySpan<string>)["/proc", "/sys"])
        {
            if (real == fs || real.StartsWith(fs + "/", StringComparison.Ordinal))
                throw new ContainerException(
                    $"mount destination {destination} resolves through a symlink to \"{root.Display(real)}\": refusing to mount inside {fs}");
        }
    }

    /// <summary>A bind mount: the source cloned (open_tree OPEN_TREE_CLONE, recursive for rbind; or the clone the
    /// parent made) and attached onto <paramref name="dst"/>; then the requested flags with a MS_BIND|MS_REMOUNT of
    /// the new mount. Returns the fd of the new mount.</summary>
    private static SafeFd BindMount(MountContext c, MountEntry m, SafeFd dst)
    {
        SafeFd tree;
        if (m.Src is { IsOpenTree: true } given)
        {
            // An idmapped clone made by the parent: attach it (runc's mountViaFds); the fd stays the parent's to close.
            tree = new SafeFd(given.Fd.Fd, ownsHandle: false);
        }
        else
        {
            int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | ((m.Flags & MS_REC) != 0 ? AT_RECURSIVE : 0);
            int r = m.Src is { } plain ? open_tree(plain.Fd.Fd, "", flags | AT_EMPTY_PATH) : open_tree(AT_FDCWD, m.Source, flags);
            tree = Check.Fd(r, "open_tree", m.Source);
        }
        try
        {
            Check.Rc(move_mount(tree.Fd, "", dst.Fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                "move_mount", $"{m.Source}:{m.Destination}");
            SetPropagation(m, tree);
            Remount(m, tree);
            return tree;
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>MS_BIND ignores the other flags: apply them with a separate MS_BIND|MS_REMOUNT, unless none (not
    /// even cleared ones) were asked for.</summary>
    private static void Remount(MountEntry m, SafeFd mnt)
    {
        if ((m.Flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) == 0 && m.ClearedFlags == 0) return;
        // First "mount --bind -o ...": only the requested flags; then, if the kernel refuses because the mount
        // carries locked flags, "mount --bind -o remount,..." with those kept.
        string procfd = ProcFd(mnt);
        ulong flags = m.Flags | MS_BIND | MS_REMOUNT;
        Errno e = MountCall.TryMount("", m.Destination, procfd, null, flags, null);
        if (e == Errno.OK) return;
        var mountErr = MountCall.Error("mount", "", m.Destination, procfd, flags, null, e);

        // The mount may carry flags locked by the kernel (a mount inherited into a user namespace): keep them
        // (as "mount --bind -o remount"), unless the user asked to clear one of them, or asked for an atime
        // mode other than the one the mount has.
        const string context = "failed to set user-requested vfs flags on bind-mount";
        Check.Rc(Fstatfs(mnt.Fd, out var st), "statfs", m.Source);
        ulong srcFlags = MountCall.StatfsToMountFlags(st.Flags);
        if (Log.IsDebug)
            Log.Debug($"working around failure to set vfs flags on bind-mount {m.Destination}: srcFlags=0x{srcFlags:x} flagsSet=0x{m.Flags:x} flagsClr=0x{m.ClearedFlags:x}: {e.Text()}");
        ulong locked = srcFlags & m.ClearedFlags & MountCall.LockFlags;
        if (locked != 0)
            throw new ContainerException(context, new ContainerException($"cannot clear locked flags {MountEntry.FlagsHex(locked)}", mountErr));
        // An atime mode asked for must be the one the mount has: the kernel would silently keep noatime over a
        // requested relatime, and strictatime over anything (runc 1.2).
        if ((m.Flags & MountCall.AtimeFlags) != 0 && (m.Flags & MountCall.AtimeFlags) != (srcFlags & MountCall.AtimeFlags))
            throw new ContainerException(context,
                new ContainerException($"cannot change locked atime flags {MountEntry.FlagsHex(srcFlags & MountCall.AtimeFlags)}", mountErr));
        flags |= srcFlags & MountCall.LockFlags;
        Errno e2 = MountCall.TryMount("", m.Destination, procfd, null, flags, null);
        if (e2 != Errno.OK)
            throw new ContainerException(context, new ContainerException(
                $"remount with locked flags {MountEntry.FlagsHex(srcFlags & MountCall.LockFlags)} re-applied",
                MountCall.Error("mount", "", m.Destination, procfd, flags, null, e2)));
    }

    /// <summary>A filesystem mounted on <paramref name="dst"/> with mount(2) through /proc/thread-self/fd/N, then its
    /// propagation flags (runc's mountPropagate). tmpfs and /dev are mounted writable; Finalize makes them read-only.
    /// Returns an fd of the new mount when propagation flags or <paramref name="needHandle"/> ask for one.</summary>
    public static SafeFd? Propagate(MountContext c, MountEntry m, SafeFd dst, bool needHandle = false)
    {
        ulong flags = m.Flags;
        if (m.Device == "tmpfs" || m.IsDev) flags &= ~MS_RDONLY;
        MountCall.Mount(m.Source, m.Destination, ProcFd(dst), m.Device, flags, m.Data);
        if (m.PropagationFlags.Count == 0 && !needHandle) return null;
        SafeFd mnt = OpenMounted(c, m, dst);
        try
        {
            SetPropagation(m, mnt);
            return mnt;
        }
        catch
        {
            mnt.Dispose();
            throw;
        }
    }

    private static void SetPropagation(MountEntry m, SafeFd mnt)
    {
        if (m.PropagationFlags.Count == 0) return;
        try
        {
            foreach (ulong p in m.PropagationFlags)
                MountCall.Mount("", m.Destination, ProcFd(mnt), null, p, null);
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("change mount propagation through procfd", ex);
        }
    }

    /// <summary>An fd of the mount just made on <paramref name="dst"/>: the path procfs gives for dst, opened again
    /// with no symlink allowed, must be the root of a mount other than dst's (runc's reopenAfterMount).</summary>
    private static SafeFd OpenMounted(MountContext c, MountEntry m, SafeFd dst)
    {
        string real = c.Root.PathOf(dst);
        Check.Rc(FstatMount(dst.Fd, out _, out ulong under, out _), "statx", c.Root.Display(real));
        Errno e = c.Root.TryOpen(real, O_PATH, RESOLVE_NO_SYMLINKS, out SafeFd? fd);
        if (e != Errno.OK) throw new ContainerException($"re-open mountpoint {m.Destination}", new SyscallException("openat2", e, c.Root.Display(real)));
        Check.Rc(FstatMount(fd!.Fd, out _, out ulong mntId, out bool isRoot), "statx", c.Root.Display(real));
        if (!isRoot || mntId == under)
        {
            fd.Dispose();
            throw new ContainerException($"mountpoint {m.Destination} was moved while re-opening");
        }
        return fd;
    }

    /// <summary>The recursive attributes (rro, rnosuid, ...) via mount_setattr(AT_RECURSIVE) on the mount's fd.</summary>
    public static void SetRecAttr(MountEntry m, SafeFd mnt)
    {
        if (!m.HasRecAttr) return;
        Check.Rc(mount_setattr(mnt.Fd, "", AT_EMPTY_PATH | AT_RECURSIVE, m.RecAttrSet, m.RecAttrClr), "mount_setattr",
            m.Destination);
    }

    /// <summary>The magic link that names an fd for mount(2); taken before the root switch, where /proc is the
    /// host's and nothing in the container can cover it.</summary>
    public static string ProcFd(SafeFd fd) => "/proc/thread-self/fd/" + fd.Fd;

    private static readonly string[] s_validProcMounts =
    [
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
        "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled",
    ];

    /// <summary>Refuses mounts over or inside the container's /proc, except a procfs on /proc itself (fresh, or a
    /// bind of a procfs) and the files lxcfs emulates (runc's checkProcMount). <paramref name="dest"/> is the
    /// resolved path inside the root.</summary>
    public static void CheckProcMount(string rootPath, string dest, MountEntry m)
    {
        if (dest != "/proc" && !dest.StartsWith("/proc/", StringComparison.Ordinal)) return;
        string shown = RootDir.Display(rootPath, dest);
        string context = $"check proc-safety of {m.Destination} mount";
        if (dest == "/proc")
        {
            if (m.Device == "proc") return;
            if (m.Device == "bind")
            {
                int rc = m.Src is { } src ? Fstatfs(src.Fd.Fd, out var st) : Statfs(m.Source, out st);
                if (rc < 0) Check.Throw("statfs", Check.LastErrno, m.Source);
                if (st.Type == PROC_SUPER_MAGIC) return;
            }
            throw new ContainerException(context, new ContainerException($"\"{shown}\" cannot be mounted because it is not of type proc"));
        }
        foreach (string valid in s_validProcMounts)
            if (dest == valid) return;
        throw new ContainerException(context, new ContainerException($"\"{shown}\" cannot be mounted because it is inside /proc"));
    }

    private static MountEntry With(MountEntry m, string data) => new()
    {
        Source = m.Source, Destination = m.Destination, Device = m.Device, Flags = m.Flags,
        ClearedFlags = m.ClearedFlags, PropagationFlags = m.PropagationFlags, Data = data,
        RecAttrSet = m.RecAttrSet, RecAttrClr = m.RecAttrClr, TmpCopyUp = m.TmpCopyUp,
    };
}
