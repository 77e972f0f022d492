using Skiff.Linux;
using Skiff.RuntimeSpec;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// Device nodes in the container's /dev (runc's createDevices/setupPtmx/setupDevSymlinks/reOpenDevNull): the
/// default devices (null zero full random urandom tty) plus the spec's, made with mknod(2), or bind-mounted from the
/// host inside a user namespace (where mknod is refused).
/// </summary>
internal static class Devices
{
    /// <summary>A device node to create: type 'c', 'b' or 'p'.</summary>
    internal sealed record Node(string Path, char Type, long Major, long Minor, uint FileMode, uint Uid, uint Gid);

    private const uint Mode0666 = 0x1B6;

    /// <summary>specconv's AllowedDevices that have a path, in runc's order.</summary>
    public static readonly IReadOnlyList<Node> Defaults =
    [
        new("/dev/null", 'c', 1, 3, Mode0666, 0, 0),
        new("/dev/random", 'c', 1, 8, Mode0666, 0, 0),
        new("/dev/full", 'c', 1, 7, Mode0666, 0, 0),
        new("/dev/tty", 'c', 5, 0, Mode0666, 0, 0),
        new("/dev/zero", 'c', 1, 5, Mode0666, 0, 0),
        new("/dev/urandom", 'c', 1, 9, Mode0666, 0, 0),
    ];

    /// <summary>The defaults not overridden by a spec device of the same path, then the spec's devices
    /// (specconv's createDevices).</summary>
    public static List<Node> FromSpec(IReadOnlyList<LinuxDevice>? specDevices)
    {
        var list = new List<Node>();
        foreach (var d in Defaults)
            if (specDevices is null || !specDevices.Any(s => s.Path == d.Path)) list.Add(d);
        foreach (var d in specDevices ?? [])
        {
            char t = d.Type switch
            {
                "p" => 'p',
                "u" or "c" => 'c',
                "b" => 'b',
                _ => throw new ContainerException($"invalid device type \"{d.Type}\""),
            };
            uint mode = d.FileMode is uint fm ? fm & ~S_IFMT : Mode0666;
            list.Add(new Node(d.Path, t, d.Major, d.Minor, mode, d.Uid ?? 0, d.Gid ?? 0));
        }
        return list;
    }

    /// <summary>Creates every node inside <paramref name="root"/> with umask 0.</summary>
    public static void Create(RootDir root, IEnumerable<Node> nodes, bool useBindMount)
    {
        uint old = umask(0);
        // The parent directories, each resolved once (usually just /dev).
        var dirs = new Dictionary<string, SafeFd>(StringComparer.Ordinal);
        try
        {
            foreach (var node in nodes)
            {
                // /dev/ptmx is made by SetupPtmx.
                if (node.Path.Length == 0 || MountEntry.CleanPath(node.Path) == "/dev/ptmx") continue;
                string parent = RootDir.ParentOf(node.Path, out string name);
                if (!dirs.TryGetValue(parent, out SafeFd? dir)) dirs[parent] = dir = root.MkdirAll(parent, 0x1ED /* 0755 */);
                CreateNode(root, dir, name, node, useBindMount);
            }
        }
        finally
        {
            umask(old);
            foreach (var d in dirs.Values) d.Dispose();
        }
    }

    /// <summary>mknodat below the node's verified parent directory; the new inode is opened O_PATH|O_NOFOLLOW and
    /// checked to be what was made before its mode and owner are set through the fd (runc's mknodDevice). An
    /// existing entry (even a symlink) is left alone: nothing is ever done through it.</summary>
    private static void CreateNode(RootDir root, SafeFd dir, string name, Node node, bool bind)
    {
        if (bind) { BindMountNode(root, dir, name, node); return; }

        uint type = node.Type switch
        {
            'b' => S_IFBLK,
            'c' => S_IFCHR,
            'p' => S_IFIFO,
            _ => throw new ContainerException($"{node.Type} is not a valid device type for device {node.Path}"),
        };
        ulong dev = Makedev((ulong)node.Major, (ulong)node.Minor);
        if (mknodat(dir.Fd, name, node.FileMode | type, dev) < 0)
        {
            Errno e = Check.LastErrno;
            if (e == Errno.EEXIST) return;
            if (e is Errno.EPERM or Errno.EACCES) { BindMountNode(root, dir, name, node); return; }
            Check.Throw("mknodat", e, root.Display(node.Path));
        }
        using SafeFd fd = Check.Fd(openat(dir.Fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0), "openat", root.Display(node.Path));
        Check.Rc(FstatRdev(fd.Fd, out uint mode, out uint maj, out uint min), "fstat", root.Display(node.Path));
        if ((mode & S_IFMT) != type || (type != S_IFIFO && (maj != node.Major || min != node.Minor)))
            throw new ContainerException($"new {node.Type} device inode {node.Path} is not the one made (mode {mode:o}, {maj}:{min})");
        Check.Rc(chmod(MountToRootfs.ProcFd(fd), node.FileMode), "chmod", root.Display(node.Path));
        Check.Rc(fchownat(fd.Fd, "", node.Uid, node.Gid, AT_EMPTY_PATH), "fchownat", root.Display(node.Path));
    }

    /// <summary>In a user namespace: an empty file made (O_CREAT|O_EXCL|O_NOFOLLOW) below the verified parent, the
    /// host's node cloned onto it (open_tree + move_mount). An existing regular file is reused; anything else there
    /// (a symlink, a device of the image) is refused.</summary>
    private static void BindMountNode(RootDir root, SafeFd dir, string name, Node node)
    {
        int r = openat(dir.Fd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0);
        if (r < 0 && Check.LastErrno == Errno.EEXIST)
        {
            r = openat(dir.Fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
            if (r >= 0 && (StatMode(r, "", AT_EMPTY_PATH, out uint mode) < 0 || (mode & S_IFMT) != S_IFREG))
            {
                close(r);
                throw new ContainerException($"create device inode {node.Path}: an existing entry that is not a regular file is in the way");
            }
        }
        using SafeFd dst = Check.Fd(r, "openat", root.Display(node.Path));
        using SafeFd tree = Check.Fd(open_tree(AT_FDCWD, node.Path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC), "open_tree", node.Path);
        Check.Rc(move_mount(tree.Fd, "", dst.Fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH), "move_mount",
            $"{node.Path}:{root.Display(node.Path)}");
    }

    /// <summary>/dev/ptmx -> pts/ptmx, in the /dev that <paramref name="root"/> resolves.</summary>
    public static void SetupPtmx(RootDir root)
    {
        using SafeFd dev = root.MkdirAll("/dev", 0x1ED /* 0755 */);
        if (unlinkat(dev.Fd, "ptmx", 0) < 0 && Check.LastErrno != Errno.ENOENT)
            Check.Throw("unlinkat", Check.LastErrno, root.Display("/dev/ptmx"));
        Check.Rc(symlinkat("pts/ptmx", dev.Fd, "ptmx"), "symlinkat", root.Display("/dev/ptmx"));
    }

    /// <summary>/dev/fd, /dev/std{in,out,err} and (when the kernel has it) /dev/core, made with symlinkat in the
    /// /dev that <paramref name="root"/> resolves (a /dev symlink of the image cannot send them out of it).</summary>
    public static void SetupSymlinks(RootDir root)
    {
        var links = new List<(string Target, string Name)>
        {
            ("/proc/self/fd", "fd"),
            ("/proc/self/fd/0", "stdin"),
            ("/proc/self/fd/1", "stdout"),
            ("/proc/self/fd/2", "stderr"),
        };
        if (StatMode(AT_FDCWD, "/proc/kcore", 0, out _) == 0) links.Add(("/proc/kcore", "core"));
        using SafeFd dev = root.MkdirAll("/dev", 0x1ED /* 0755 */);
        foreach (var (target, name) in links)
        {
            if (symlinkat(target, dev.Fd, name) < 0 && Check.LastErrno != Errno.EEXIST)
                Check.Throw("symlinkat " + target, Check.LastErrno, root.Display("/dev/" + name));
        }
    }

    /// <summary>After the root switch: stdio fds that point at the host's /dev/null are re-pointed at the
    /// container's, once it is checked to be the null device.</summary>
    public static void ReopenDevNull()
    {
        using SafeFd devNull = OpenDevNull(O_RDWR);
        Check.Rc(FstatRdev(devNull.Fd, out _, out uint nMaj, out uint nMin), "fstat", "/dev/null");
        for (int fd = 0; fd < 3; fd++)
        {
            Check.Rc(FstatRdev(fd, out uint mode, out uint maj, out uint min), "fstat", "fd " + fd);
            if ((mode & S_IFMT) == S_IFCHR && maj == nMaj && min == nMin)
                Check.Rc(dup3(devNull.Fd, fd, 0), "dup3", "fd " + devNull.Fd);
        }
    }

    /// <summary>The container's /dev/null (after the root switch), opened O_PATH without magic links, checked to be
    /// the character device 1:3 and only then, if <paramref name="flags"/> ask for more than O_PATH, opened again
    /// through the verified procfs (CVE-2025-31133: a planted /dev/null symlink).</summary>
    public static SafeFd OpenDevNull(int flags)
    {
        int r = openat2(AT_FDCWD, "/dev/null", O_PATH | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        SafeFd path = Check.Fd(r, "openat2", "/dev/null");
        try
        {
            Check.Rc(FstatRdev(path.Fd, out uint mode, out uint maj, out uint min), "fstat", "/dev/null");
            if ((mode & S_IFMT) != S_IFCHR || maj != 1 || min != 3)
                throw new ContainerException("container's /dev/null is invalid");
            if (flags == O_PATH) return path;
            using (path) return ProcfsHandle.Shared.Reopen(path.Fd, flags);
        }
        catch
        {
            path.Dispose();
            throw;
        }
    }
}
