using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// Path resolution inside the container's rootfs without escaping it: symlinks (relative, absolute, "..") are
/// resolved as if the rootfs were "/" (the semantics of github.com/cyphar/filepath-securejoin that runc uses), and
/// the final open uses openat2(RESOLVE_IN_ROOT) so that a path swapped after resolution still cannot leave the root.
/// </summary>
internal static class SecureJoin
{
    private const int MaxSymlinks = 255;

    /// <summary>Joins <paramref name="unsafePath"/> to <paramref name="root"/>, resolving every symlink met on the
    /// way inside root. Missing components are taken literally. The result always lies under root.</summary>
    public static string Join(string root, string unsafePath)
    {
        root = TrimRoot(root);
        string current = "";           // resolved, symlink-free, relative to root, "" or "/a/b"
        string remaining = unsafePath;
        int links = 0;
        while (remaining.Length > 0)
        {
            string part;
            int i = remaining.IndexOf('/');
            if (i < 0) { part = remaining; remaining = ""; }
            else { part = remaining[..i]; remaining = remaining[(i + 1)..]; }

            string next = Lexical(current, part);
            if (next.Length == 0) { current = ""; continue; }
            if (part.Length == 0 || part == "." || part == "..") { current = next; continue; }

            string full = root + next;
            int rc = StatMode(AT_FDCWD, full, AT_SYMLINK_NOFOLLOW, out uint mode);
            if (rc < 0)
            {
                Errno e = Check.LastErrno;
                if (e is Errno.ENOENT or Errno.ENOTDIR) { current = next; continue; }
                Check.Throw("lstat", e, full);
            }
            if ((mode & S_IFMT) != S_IFLNK) { current = next; continue; }

            if (++links > MaxSymlinks)
                Check.Throw("SecureJoin", Errno.ELOOP, root + "/" + unsafePath.TrimStart('/'));
            string? target = ReadLink(full);
            if (target is null) Check.Throw("readlink", Check.LastErrno, full);
            remaining = target + "/" + remaining;
            if (target.StartsWith('/')) current = "";
        }
        return current.Length == 0 ? (root.Length == 0 ? "/" : root) : root + current;
    }

    /// <summary>Applies one component to an already resolved path lexically ("" means the root).</summary>
    private static string Lexical(string current, string part)
    {
        if (part.Length == 0 || part == ".") return current;
        if (part == "..")
        {
            int j = current.LastIndexOf('/');
            return j <= 0 ? "" : current[..j];
        }
        return current + "/" + part;
    }

    private static string TrimRoot(string root)
    {
        root = MountEntry.CleanPath(root);
        return root == "/" ? "" : root;
    }

    /// <summary>The path of <paramref name="path"/> relative to <paramref name="root"/> if it lies under it
    /// (runc's stripRoot), else the path itself; for opening relative to a root fd.</summary>
    public static string StripRoot(string root, string path)
    {
        string r = TrimRoot(root);
        path = MountEntry.CleanPath(path);
        if (r.Length == 0) return path;
        if (path == r) return "/";
        if (path.StartsWith(r + "/", StringComparison.Ordinal)) return path[r.Length..];
        return path;
    }

    /// <summary>Opens <paramref name="unsafePath"/> O_PATH inside <paramref name="root"/> (resolved as if root were
    /// "/"; magic links refused). Falls back to <see cref="Join"/> plus a /proc/self/fd check on kernels without
    /// openat2 (runc's WithProcfd).</summary>
    public static SafeFd OpenInRoot(string root, string unsafePath, int flags = O_PATH)
    {
        string rel = StripRoot(root, unsafePath).TrimStart('/');
        if (rel.Length == 0) rel = ".";
        using SafeFd rootFd = Libc.Open(root, O_PATH | O_DIRECTORY);
        int fd;
        do fd = openat2(rootFd.Fd, rel, flags | O_CLOEXEC, 0, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
        while (fd < 0 && Check.LastErrno is Errno.EINTR or Errno.EAGAIN);
        if (fd >= 0) return new SafeFd(fd);
        Errno e = Check.LastErrno;
        if (e != Errno.ENOSYS) Check.Throw("openat2", e, Path.Join(root, rel));

        string path = Join(root, unsafePath);
        var h = Check.Fd(open(path, flags | O_CLOEXEC, 0), "open", path);
        string? real = ReadLink("/proc/self/fd/" + h.Fd);
        if (real is null) { var err = Check.LastErrno; h.Dispose(); Check.Throw("readlink", err, "/proc/self/fd/" + h.Fd); }
        if (real != path)
        {
            h.Dispose();
            throw new ContainerException($"possibly malicious path detected -- refusing to operate on {real}");
        }
        return h;
    }

    /// <summary>Runs <paramref name="fn"/> with "/proc/self/fd/N" naming <paramref name="unsafePath"/> opened inside
    /// root, so that mount(2) acts on exactly that inode (runc's utils.WithProcfd).</summary>
    public static void WithProcfd(string root, string unsafePath, Action<string> fn)
    {
        using SafeFd fd = OpenInRoot(root, unsafePath);
        fn("/proc/self/fd/" + fd.Fd);
    }

    /// <summary>os.MkdirAll: creates every missing directory of an absolute path with <paramref name="mode"/>.
    /// Existing non-directories fail with ENOTDIR.</summary>
    public static void MkdirAll(string path, uint mode)
    {
        path = MountEntry.CleanPath(path);
        if (StatMode(AT_FDCWD, path, 0, out uint m) == 0)
        {
            if ((m & S_IFMT) == S_IFDIR) return;
            Check.Throw("mkdir", Errno.ENOTDIR, path);
        }
        int slash = path.LastIndexOf('/');
        if (slash > 0) MkdirAll(path[..slash], mode);
        if (mkdir(path, mode) < 0)
        {
            Errno e = Check.LastErrno;
            // Raced with someone else, or a dangling symlink we cannot see through: accept an existing dir only.
            if (e == Errno.EEXIST && StatMode(AT_FDCWD, path, 0, out m) == 0 && (m & S_IFMT) == S_IFDIR) return;
            Check.Throw("mkdir", e, path);
        }
    }

    /// <summary>runc's createIfNotExists: a directory (MkdirAll) or an empty file (mode 0755) where nothing is.</summary>
    public static void CreateIfNotExists(string path, bool isDir)
    {
        if (StatMode(AT_FDCWD, path, 0, out _) == 0) return;
        if (Check.LastErrno != Errno.ENOENT) return; // as os.Stat + IsNotExist: other errors are left to the mount
        if (isDir) { MkdirAll(path, 0x1ED /* 0755 */); return; }
        int slash = path.LastIndexOf('/');
        if (slash > 0) MkdirAll(path[..slash], 0x1ED /* 0755 */);
        int fd = open(path, O_CREAT | O_CLOEXEC, 0x1ED /* 0755 */);
        if (fd < 0) Check.Throw("open", Check.LastErrno, path);
        close(fd);
    }
}
