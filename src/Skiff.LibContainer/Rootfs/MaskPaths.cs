using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>linux.maskedPaths and linux.readonlyPaths, applied inside the container after the root switch
/// (runc's maskPaths/readonlyPath). Each path is opened once (openat2, no magic links) and every mount is attached
/// onto that fd with move_mount: a file is covered by a clone of the container's /dev/null, checked first to be the
/// null device (CVE-2025-31133), a directory by a clone of one private empty read-only tmpfs.</summary>
internal static class MaskPaths
{
    /// <summary>Read-only paths first, then masked paths (runc's order).</summary>
    public static void Apply(IEnumerable<string>? readonlyPaths, IEnumerable<string>? maskedPaths)
    {
        foreach (string p in readonlyPaths ?? [])
        {
            try { ReadonlyPath(p); }
            catch (Exception ex) when (ex is SyscallException or ContainerException)
            {
                throw new ContainerException($"can't make \"{p}\" read-only", ex);
            }
        }
        var masked = maskedPaths?.ToList() ?? [];
        if (masked.Count == 0) return;
        SafeFd devNull;
        try { devNull = Devices.OpenDevNull(O_PATH); }
        catch (Exception ex) when (ex is SyscallException or ContainerException)
        {
            throw new ContainerException("can't mask paths", ex);
        }
        SafeFd? dirMask = null;
        try
        {
            var done = new HashSet<string>(StringComparer.Ordinal);
            foreach (string p in masked)
            {
                if (!done.Add(MountEntry.CleanPath(p))) continue;
                try { MaskPath(p, devNull, ref dirMask); }
                catch (Exception ex) when (ex is SyscallException or ContainerException)
                {
                    throw new ContainerException($"can't mask path {p}", ex);
                }
            }
        }
        finally
        {
            devNull.Dispose();
            dirMask?.Dispose();
        }
    }

    /// <summary>Opens a path of the container (after the root switch) without following magic links; null when it
    /// does not exist.</summary>
    private static SafeFd? OpenOrSkip(string path)
    {
        int r = openat2(AT_FDCWD, "/" + path.TrimStart('/'), O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        if (r >= 0) return new SafeFd(r);
        if (Check.LastErrno is Errno.ENOENT or Errno.ENOTDIR) return null;
        throw new SyscallException("openat2", Check.LastErrno, path);
    }

    /// <summary>A recursive clone of the path, made read-only (the top mount, as a MS_BIND|MS_REMOUNT|MS_RDONLY
    /// would; its nosuid/nodev/noexec stay) and attached onto it. A missing path is skipped.</summary>
    public static void ReadonlyPath(string path)
    {
        using SafeFd? fd = OpenOrSkip(path);
        if (fd is null) return;
        using SafeFd tree = Check.Fd(open_tree(fd.Fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH),
            "open_tree", path);
        Check.Rc(mount_setattr(tree.Fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0), "mount_setattr", path);
        Check.Rc(move_mount(tree.Fd, "", fd.Fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH), "move_mount", path);
    }

    /// <summary>Hides a file under the verified /dev/null and a directory under the shared empty read-only tmpfs
    /// (made on first need). A missing path is skipped.</summary>
    private static void MaskPath(string path, SafeFd devNull, ref SafeFd? dirMask)
    {
        using SafeFd? fd = OpenOrSkip(path);
        if (fd is null) return;
        Check.Rc(StatMode(fd.Fd, "", AT_EMPTY_PATH, out uint mode), "statx", path);
        if ((mode & S_IFMT) != S_IFDIR)
        {
            Attach(devNull, fd, path, "/dev/null");
            return;
        }
        if (dirMask is null)
        {
            dirMask = FsMount("tmpfs", "tmpfs", [("nr_blocks", "1"), ("nr_inodes", "1")], MOUNT_ATTR_RDONLY);
            // The first directory gets the mount itself; the others clones of it (a mount attached to our
            // namespace can be cloned on every kernel with the new mount API).
            Check.Rc(move_mount(dirMask.Fd, "", fd.Fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH),
                "move_mount", "tmpfs:" + path);
            return;
        }
        Attach(dirMask, fd, path, "tmpfs");
    }

    /// <summary>A clone of the mount (or of the file on it) at <paramref name="source"/> attached onto
    /// <paramref name="dst"/>.</summary>
    private static void Attach(SafeFd source, SafeFd dst, string path, string what)
    {
        using SafeFd tree = Check.Fd(open_tree(source.Fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH),
            "open_tree", what);
        Check.Rc(move_mount(tree.Fd, "", dst.Fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH), "move_mount",
            what + ":" + path);
    }
}
