using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// Path resolution inside the container's rootfs without escaping it: symlinks (relative, absolute, "..") are
/// resolved as if the rootfs were "/" (the semantics of github.com/cyphar/filepath-securejoin that runc uses). It
/// is the fallback of <see cref="RootDir"/> where openat2 is missing.
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

    /// <summary>root + the lexically cleaned path (what <see cref="Join"/> gives when no symlink is met).</summary>
    public static string LexicalJoin(string root, string unsafePath)
    {
        string r = TrimRoot(root);
        string clean = MountEntry.CleanPath("/" + unsafePath);
        return clean == "/" ? (r.Length == 0 ? "/" : r) : r + clean;
    }

    /// <summary>Where openat2 is missing: opens the <see cref="Join"/>ed path with O_NOFOLLOW and checks, through
    /// procfs, that the fd is where the walk said (a path swapped meanwhile fails; runc's pre-openat2 check).</summary>
    public static Errno TryOpenChecked(string root, string unsafePath, int flags, out SafeFd? fd)
    {
        fd = null;
        string path = Join(root, unsafePath);
        int r = open(path, flags | O_CLOEXEC | O_NOFOLLOW, 0);
        if (r < 0) return Check.LastErrno;
        var h = new SafeFd(r);
        string real = ProcfsHandle.Shared.FdPath(h.Fd);
        if (real != path)
        {
            h.Dispose();
            throw new ContainerException($"possibly malicious path detected -- refusing to operate on {real}");
        }
        fd = h;
        return Errno.OK;
    }
}
