using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Skiff.Linux.Logging;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// The container's filesystem, set up by `skiff init` inside its new mount namespace (runc's rootfs_linux.go:
/// prepareRootfs and finalizeRootfs, plus the readonly/masked paths of standard_init_linux.go).
/// </summary>
/// <remarks>
/// Order (as runc): Prepare → console → hostname → <see cref="Sysctl.Apply"/> → Finalize. Sysctls must be written
/// before Finalize, whose readonlyPaths usually make /proc/sys read-only.
/// </remarks>
internal static class RootfsSetup
{
    /// <summary>
    /// Everything up to and including the root switch: "/" made rslave (or linux.rootfsPropagation), the rootfs bound
    /// onto itself, every spec mount in order, the devices, /dev symlinks and /dev/ptmx, then
    /// <paramref name="beforePivot"/> (with cwd = the rootfs, as runc runs the createContainer hooks), then
    /// pivot_root (or MS_MOVE + chroot with NoPivot). Afterwards cwd is the new "/" and process.cwd exists.
    /// </summary>
    /// <remarks>An idmapped mount, or (in a user namespace) a bind mount whose source this process cannot reach,
    /// gets its source from the parent: procMountPlease on <paramref name="sync"/>, answered by procMountFd with
    /// the fd (runc 1.2's prepareRootfs).</remarks>
    public static void Prepare(InitConfig cfg, SyncSocket? sync, Action beforePivot, Action? afterPivot = null)
    {
        var spec = cfg.Spec;
        string rootfs = MountEntry.CleanPath(cfg.Rootfs);
        ulong rootProp = RootPropagation(spec.Linux?.RootfsPropagation);

        Wrap("error preparing rootfs", () => PrepareRoot(rootfs, rootProp));
        // Everything below happens relative to this fd of the rootfs bind mount.
        using RootDir root = RootDir.Open(rootfs);
        var c = MountContext.From(cfg, root);

        var mounts = (spec.Mounts ?? []).Select(m => MountEntry.FromSpec(m, cfg.Bundle, spec.Linux, cfg.Namespaces)).ToList();
        foreach (var m in mounts)
        {
            if (sync is not null && WantsSource(cfg, c, m)) m.Src = MountSources.Request(sync, m);
            try
            {
                Wrap($"error mounting \"{m.Source}\" to rootfs at \"{m.Destination}\"", () => MountToRootfs.Mount(c, m));
            }
            finally
            {
                m.Src?.Dispose();
                m.Src = null;
            }
        }

        bool setupDev = NeedsSetupDev(mounts);
        if (setupDev)
        {
            var nodes = Devices.FromSpec(spec.Linux?.Devices);
            Wrap("error creating device nodes", () => Devices.Create(root, nodes, c.UserNs));
            Wrap("error setting up ptmx", () => Devices.SetupPtmx(root));
            Wrap("error setting up /dev symlinks", () => Devices.SetupSymlinks(root));
        }

        Check.Rc(fchdir(root.Fd.Fd), "fchdir", rootfs);
        beforePivot();

        bool mountNs = cfg.Namespaces.Has("mount");
        Wrap("error jailing process inside rootfs", () =>
        {
            if (cfg.NoPivot) MsMoveRoot(rootfs, c.MountInfo());
            else if (mountNs) PivotRoot(root);
            else Chroot();
        });

        afterPivot?.Invoke();

        // Shared or unbindable propagation can only be given to "/" once it is the root (it had to stay
        // private/slave for pivot_root and so as not to leak the rootfs bind to the host) (runc PR #4724).
        if ((rootProp & (MS_SHARED | MS_UNBINDABLE)) != 0)
            Wrap("unable to apply root propagation flags", () => MountCall.Mount("", "/", null, null, rootProp, null));

        if (setupDev) Wrap("error reopening /dev/null inside container", Devices.ReopenDevNull);

        string cwd = cfg.Process.Cwd;
        if (cwd.Length > 0)
        {
            using RootDir newRoot = RootDir.Open("/");
            newRoot.MkdirAll(cwd, 0x1ED /* 0755 */).Dispose();
        }
    }

    /// <summary>
    /// After the root switch and the console: tmpfs and /dev mounts asked to be read-only are remounted so, the
    /// root is made read-only (root.readonly), the umask is set (process.user.umask, else 0022), then
    /// linux.readonlyPaths and linux.maskedPaths.
    /// </summary>
    public static void Finalize(InitConfig cfg)
    {
        if (cfg.Namespaces.Has("mount"))
            FinalizeRootfs(cfg);
        MaskPaths.Apply(cfg.Spec.Linux?.ReadonlyPaths, cfg.Spec.Linux?.MaskedPaths);
    }

    /// <summary>runc's finalizeRootfs. Each mount is found again by its destination inside the new root (openat2,
    /// no magic links) and must be the root of a mount; flags change with mount_setattr on that fd.</summary>
    public static void FinalizeRootfs(InitConfig cfg)
    {
        var mounts = (cfg.Spec.Mounts ?? []).Select(m => MountEntry.FromSpec(m, cfg.Bundle)).ToList();
        RootDir? root = null;
        try
        {
            foreach (var m in mounts)
            {
                if (m.Device != "tmpfs" && !m.IsDev) continue;
                if ((m.Flags & MS_RDONLY) == 0 && !m.HasRecAttr) continue;
                root ??= RootDir.Open("/");
                using SafeFd mnt = root.Open(m.Destination, O_PATH);
                Check.Rc(FstatMount(mnt.Fd, out _, out _, out bool isRoot), "statx", m.Destination);
                if (!isRoot) throw new ContainerException($"{m.Destination} is no longer a mount point");
                if ((m.Flags & MS_RDONLY) != 0) RemountReadonly(m, mnt);
                // The recursive attributes of these mounts wait until here so that rro does not stop the device
                // and chmod work of Prepare.
                MountToRootfs.SetRecAttr(m, mnt);
            }
        }
        finally
        {
            root?.Dispose();
        }

        if (cfg.Spec.Root?.Readonly ?? false)
            Wrap("error setting rootfs as readonly", SetReadonly);

        umask(cfg.Process.User.Umask ?? 0x12 /* 0022 */);
    }

    /// <summary>runc's wantSourceFile: always for an idmapped mount; for a bind mount in a user namespace (not
    /// rootless: there the parent is no more privileged) when its source cannot be looked at from here.</summary>
    private static bool WantsSource(InitConfig cfg, MountContext c, MountEntry m)
    {
        if (m.IdMapping is not null) return true;
        if (m.Device != "bind" || cfg.RootlessEuid || !c.UserNs) return false;
        if (StatMode(AT_FDCWD, m.Source, 0, out _) == 0) return false;
        return Check.LastErrno is Errno.EACCES or Errno.EPERM;
    }

    /// <summary>A bind mount of /dev means the caller provides the devices.</summary>
    private static bool NeedsSetupDev(IEnumerable<MountEntry> mounts) =>
        !mounts.Any(m => m.Device == "bind" && m.IsDev);

    public static ulong RootPropagation(string? value)
    {
        if (string.IsNullOrEmpty(value)) return 0;
        if (!MountOptions.Propagation.TryGetValue(value, out ulong flags))
            throw new ContainerException($"rootfsPropagation={value} is not supported");
        return flags;
    }

    /// <summary>runc's prepareRoot.</summary>
    private static void PrepareRoot(string rootfs, ulong rootProp)
    {
        ulong flag = rootProp != 0 ? rootProp : MS_SLAVE | MS_REC;
        MountCall.Mount("", "/", null, null, flag, null);
        RootfsParentMountPrivate(rootfs, rootProp);
        MountCall.Mount(rootfs, rootfs, null, "bind", MS_BIND | MS_REC, null);
    }

    /// <summary>Makes the mount holding the rootfs private (slave if rootfsPropagation asks for slave): pivot_root
    /// refuses a shared parent, and the rootfs bind must not propagate to the host. EINVAL means "not a mount point":
    /// go up until one is found (runc's rootfsParentMountPropagation; no mountinfo read).</summary>
    private static void RootfsParentMountPrivate(string rootfs, ulong rootProp)
    {
        ulong flags = (rootProp & MS_SLAVE) != 0 ? MS_SLAVE : MS_PRIVATE;
        string path = rootfs;
        while (true)
        {
            Errno e = MountCall.TryMount("", path, null, null, flags, null);
            if (e == Errno.OK) return;
            if (e != Errno.EINVAL || path == "/") throw MountCall.Error("remount-propagation", null, path, null, flags, null, e);
            int slash = path.LastIndexOf('/');
            path = slash <= 0 ? "/" : path[..slash];
        }
    }

    /// <summary>pivot_root(".", ".") with the rootfs as cwd, then the old root (now stacked under ".") made rslave
    /// and lazily unmounted (runc's pivotRoot).</summary>
    private static void PivotRoot(RootDir root)
    {
        using SafeFd oldRoot = Libc.Open("/", O_DIRECTORY | O_RDONLY);
        Check.Rc(fchdir(root.Fd.Fd), "fchdir", root.Path);
        Check.Rc(pivot_root(".", "."), "pivot_root", ".");
        Check.Rc(fchdir(oldRoot.Fd), "fchdir", "fd " + oldRoot.Fd);
        // rslave, not rprivate: unmounts must not propagate to the host, but the host may still hold references.
        MountCall.Mount("", ".", null, null, MS_SLAVE | MS_REC, null);
        MountCall.Unmount(".", MNT_DETACH);
        Check.Rc(chdir("/"), "chdir", "/");
    }

    /// <summary>--no-pivot: hide the host's full proc and sysfs mounts (a procfs may only be mounted where a
    /// full one is visible), move the rootfs onto "/", chroot (runc's msMoveRoot).</summary>
    private static void MsMoveRoot(string rootfs, List<MountInfoEntry> mountInfo)
    {
        var targets = mountInfo
            .Where(mi => mi.Root == "/" && mi.FsType is "proc" or "sysfs"
                && !mi.MountPoint.StartsWith(rootfs, StringComparison.Ordinal))
            .Select(mi => mi.MountPoint)
            .ToList();
        foreach (string p in targets)
        {
            Errno e = MountCall.TryMount("", p, null, null, MS_SLAVE | MS_REC, null);
            if (e == Errno.ENOENT) continue; // a parent was already detached
            if (e != Errno.OK) throw MountCall.Error("mount", "", p, null, MS_SLAVE | MS_REC, null, e);
            e = MountCall.TryUnmount(p, MNT_DETACH);
            if (e == Errno.OK) continue;
            if (e is not (Errno.EINVAL or Errno.EPERM)) throw MountCall.Error("unmount", null, p, null, MNT_DETACH, null, e);
            // Not allowed to unmount (rootless): cover it.
            MountCall.Mount("tmpfs", p, null, "tmpfs", 0, null);
        }
        MountCall.Mount(rootfs, "/", null, null, MS_MOVE, null);
        Chroot();
    }

    private static void Chroot()
    {
        Check.Rc(chroot("."), "chroot", ".");
        Check.Rc(chdir("/"), "chdir", "/");
    }

    /// <summary>Remount "/" read-only, keeping its other (possibly locked) flags when the plain remount fails.</summary>
    private static void SetReadonly()
    {
        ulong flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
        if (MountCall.TryMount("", "/", null, null, flags, null) == Errno.OK) return;
        Check.Rc(Statfs("/", out var st), "statfs", "/");
        flags |= (ulong)st.Flags;
        MountCall.Mount("", "/", null, null, flags, null);
    }

    /// <summary>Makes a tmpfs or /dev mount read-only (mount_setattr on its fd: only MOUNT_ATTR_RDONLY changes, so
    /// flags locked in a user namespace stay as they are); retried on EBUSY.</summary>
    private static void RemountReadonly(MountEntry m, SafeFd mnt)
    {
        for (int i = 0; i < 5; i++)
        {
            Errno e = Check.Try(mount_setattr(mnt.Fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0));
            if (e == Errno.OK) return;
            if (e != Errno.EBUSY) Check.Throw("mount_setattr", e, m.Destination);
            Thread.Sleep(100);
        }
        throw new ContainerException($"unable to mount {m.Destination} as readonly max retries reached");
    }

    private static void Wrap(string context, Action action) => Wrap(context, () => { action(); return 0; });

    private static T Wrap<T>(string context, Func<T> action)
    {
        try { return action(); }
        catch (Exception ex) when (ex is SyscallException or ContainerException or IOException or UnauthorizedAccessException)
        {
            throw new ContainerException(context, ex);
        }
    }
}
