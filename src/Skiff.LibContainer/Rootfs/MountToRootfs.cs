using Skiff.Linux;
using Skiff.Linux.Logging;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// Puts one mount into the rootfs (runc's mountToRootfs): proc/sysfs on a plain directory, tmpfs keeping the mode
/// of the directory it covers, bind mounts remounted with the requested flags (keeping flags the kernel locks in a
/// user namespace), cgroup via <see cref="MountCgroup"/>, anything else passed through. Every destination is
/// resolved inside the rootfs and the mount goes through a /proc/self/fd path of the opened target.
/// </summary>
internal static class MountToRootfs
{
    public const ulong DefaultMountFlags = MS_NOEXEC | MS_NOSUID | MS_NODEV;

    public static void Mount(MountContext c, MountEntry m)
    {
        string rootfs = c.Rootfs;
        switch (m.Device)
        {
            case "proc":
            case "sysfs":
            {
                // Not resolved through symlinks: the destination must be an ordinary directory.
                string dest = MountEntry.CleanPath(m.Destination);
                if (!dest.StartsWith(rootfs, StringComparison.Ordinal)) dest = Path.Join(rootfs, dest);
                if (StatMode(AT_FDCWD, dest, AT_SYMLINK_NOFOLLOW, out uint mode) == 0)
                {
                    if ((mode & S_IFMT) != S_IFDIR)
                        throw new ContainerException($"filesystem \"{m.Device}\" must be mounted on ordinary directory");
                }
                else if (Check.LastErrno != Errno.ENOENT) Check.Throw("lstat", Check.LastErrno, dest);
                SecureJoin.MkdirAll(dest, 0x1ED /* 0755 */);
                try
                {
                    Propagate(m, rootfs);
                }
                catch (SyscallException ex) when (m.Device == "sysfs" && ex.Errno == Errno.EPERM && c.UserNs && !c.NetNs)
                {
                    // A user namespace that does not own a network namespace may not mount sysfs: bind the
                    // current /sys instead (as crun, and runc since PR #5016).
                    Log.Debug($"mounting sysfs at {m.Destination} failed with EPERM; falling back to rbind of /sys");
                    Mount(c, new MountEntry
                    {
                        Source = "/sys", Destination = m.Destination, Device = "bind",
                        Flags = MS_BIND | MS_REC | m.Flags, ClearedFlags = m.ClearedFlags,
                        PropagationFlags = m.PropagationFlags,
                    });
                    return;
                }
                SetRecAttr(m, rootfs);
                return;
            }
        }

        string target = SecureJoin.Join(rootfs, m.Destination);
        switch (m.Device)
        {
            case "mqueue":
                SecureJoin.MkdirAll(target, 0x1ED);
                Propagate(m, rootfs);
                break;
            case "tmpfs":
            {
                var e = m;
                if (StatMode(AT_FDCWD, target, 0, out uint mode) == 0)
                {
                    // Keep the permissions of the directory the tmpfs covers.
                    string dt = "mode=" + Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0');
                    e = With(m, data: m.Data.Length > 0 ? dt + "," + m.Data : dt);
                }
                else SecureJoin.MkdirAll(target, 0x1ED);
                if (m.TmpCopyUp) Log.Warn($"tmpcopyup is not supported: mounting an empty tmpfs at {m.Destination}");
                Propagate(e, rootfs);
                // rro & co. for tmpfs are applied in Finalize, after the read-only remount.
                return;
            }
            case "bind":
                BindMount(c, m, target);
                break;
            case "cgroup":
                MountCgroup.Mount(c, m);
                break;
            default:
                CheckProcMount(rootfs, target, m.Source);
                SecureJoin.MkdirAll(target, 0x1ED);
                Propagate(m, rootfs);
                break;
        }
        if (!m.IsDev) SetRecAttr(m, rootfs);
    }

    private static void BindMount(MountContext c, MountEntry m, string target)
    {
        string rootfs = c.Rootfs;
        // With a source from the parent (procMountFd) the path may not be reachable from here: look at the fd.
        int statRc = m.Src is { } src0
            ? StatMode(src0.Fd.Fd, "", AT_EMPTY_PATH, out uint srcMode)
            : StatMode(AT_FDCWD, m.Source, 0, out srcMode);
        if (statRc < 0) Check.Throw("stat", Check.LastErrno, m.Source);
        CheckProcMount(rootfs, target, m.Source);
        SecureJoin.CreateIfNotExists(target, (srcMode & S_IFMT) == S_IFDIR);
        Propagate(m, rootfs);

        // MS_BIND ignores the other flags: apply them with a separate MS_BIND|MS_REMOUNT, unless none (not even
        // cleared ones) were asked for.
        if ((m.Flags & ~(MS_BIND | MS_REC | MS_REMOUNT)) == 0 && m.ClearedFlags == 0) return;
        SecureJoin.WithProcfd(rootfs, m.Destination, procfd =>
        {
            ulong flags = m.Flags | MS_BIND | MS_REMOUNT;
            Errno e = MountCall.TryMount("", m.Destination, procfd, null, flags, null);
            if (e == Errno.OK) return;
            var mountErr = MountCall.Error("mount", "", m.Destination, procfd, flags, null, e);

            // The mount may carry flags locked by the kernel (a mount inherited into a user namespace): keep them
            // (as "mount --bind -o remount"), unless the user asked to clear one of them, or asked for an atime
            // mode other than the one the mount has.
            int sfRc = m.Src is { } src1 ? Fstatfs(src1.Fd.Fd, out var st) : Statfs(m.Source, out st);
            if (sfRc < 0) Check.Throw("statfs", Check.LastErrno, m.Source);
            ulong srcFlags = MountCall.StatfsToMountFlags(st.Flags);
            if ((srcFlags & m.ClearedFlags & MountCall.LockFlags) != 0) throw mountErr;
            if ((m.Flags & MountCall.AtimeFlags) != 0 && (m.Flags & MountCall.AtimeFlags) != (srcFlags & MountCall.AtimeFlags))
                throw mountErr;
            flags |= srcFlags & MountCall.LockFlags;
            Errno e2 = MountCall.TryMount("", m.Destination, procfd, null, flags, null);
            if (Log.IsDebug)
                Log.Debug($"remount retry: srcFlags=0x{srcFlags:x} flagsSet=0x{m.Flags:x} flagsClr=0x{m.ClearedFlags:x}: {e2.Text()}");
            if (e2 != Errno.OK) throw MountCall.Error("mount", "", m.Destination, procfd, flags, null, e2);
        });
    }

    /// <summary>The mount itself, then its propagation flags, each through a fresh /proc/self/fd of the target
    /// (runc's mountPropagate). tmpfs and /dev are mounted writable; Finalize makes them read-only.</summary>
    public static void Propagate(MountEntry m, string rootfs)
    {
        ulong flags = m.Flags;
        if (m.Device == "tmpfs" || m.IsDev) flags &= ~MS_RDONLY;
        SecureJoin.WithProcfd(rootfs, m.Destination, procfd =>
        {
            if (m.Src is { IsOpenTree: true } tree)
            {
                // An idmapped clone made by the parent: attach it (runc's mountViaFds).
                Check.Rc(move_mount(tree.Fd.Fd, "", AT_FDCWD, procfd, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS),
                    "move_mount", m.Destination);
            }
            else
            {
                MountCall.Mount(m.Src?.ProcPath ?? m.Source, m.Destination, procfd, m.Device, flags, m.Data);
            }
        });
        if (m.PropagationFlags.Count == 0) return;
        try
        {
            SecureJoin.WithProcfd(rootfs, m.Destination, procfd =>
            {
                foreach (ulong p in m.PropagationFlags)
                    MountCall.Mount("", m.Destination, procfd, null, p, null);
            });
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("change mount propagation through procfd", ex);
        }
    }

    /// <summary>The recursive attributes (rro, rnosuid, ...) via mount_setattr(AT_RECURSIVE).</summary>
    public static void SetRecAttr(MountEntry m, string rootfs)
    {
        if (!m.HasRecAttr) return;
        using SafeFd fd = SecureJoin.OpenInRoot(rootfs, m.Destination);
        Check.Rc(mount_setattr(fd.Fd, "", AT_EMPTY_PATH | AT_RECURSIVE, m.RecAttrSet, m.RecAttrClr), "mount_setattr",
            m.Destination);
    }

    private static readonly string[] s_validProcMounts =
    [
        "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
        "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
    ];

    /// <summary>Refuses mounts over or inside the container's /proc, except a procfs on /proc itself and the
    /// files lxcfs emulates (runc's checkProcMount). <paramref name="dest"/> is the resolved host path.</summary>
    public static void CheckProcMount(string rootfs, string dest, string source)
    {
        string proc = Path.Join(rootfs, "proc");
        if (dest != proc && !dest.StartsWith(proc + "/", StringComparison.Ordinal)) return;
        if (dest == proc)
        {
            if (source.Length == 0) return;
            if (Statfs(source, out var st) < 0) Check.Throw("statfs", Check.LastErrno, source);
            if (st.Type == PROC_SUPER_MAGIC) return;
            throw new ContainerException($"\"{dest}\" cannot be mounted because it is not of type proc");
        }
        foreach (string valid in s_validProcMounts)
            if (dest == Path.Join(rootfs, valid)) return;
        throw new ContainerException($"\"{dest}\" cannot be mounted because it is inside /proc");
    }

    private static MountEntry With(MountEntry m, string data) => new()
    {
        Source = m.Source, Destination = m.Destination, Device = m.Device, Flags = m.Flags,
        ClearedFlags = m.ClearedFlags, PropagationFlags = m.PropagationFlags, Data = data,
        RecAttrSet = m.RecAttrSet, RecAttrClr = m.RecAttrClr, TmpCopyUp = m.TmpCopyUp,
    };
}
