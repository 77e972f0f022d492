using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// The container's root directory as an fd, and every path inside it resolved once, relative to that fd, as if it
/// were "/" (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS; <see cref="SecureJoin"/> plus a check of the result
/// where openat2 is missing). What does not exist is made with mkdirat/openat(O_CREAT|O_EXCL|O_NOFOLLOW) relative
/// to the verified parent; the caller acts on the returned fd and never looks the path up again
/// (runc's internal/pathrs).
/// </summary>
internal sealed class RootDir : IDisposable
{
    private const ulong InRoot = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    private const ulong OneStep = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    private const int MaxLinks = 40;

    private RootDir(SafeFd fd, string path)
    {
        Fd = fd;
        Path = path;
    }

    /// <summary>O_PATH fd of the root directory.</summary>
    public SafeFd Fd { get; }

    /// <summary>The root's path as the kernel names it (for messages and for checking where an fd points).</summary>
    public string Path { get; }

    public static RootDir Open(string path)
    {
        SafeFd fd = Libc.Open(path, O_PATH | O_DIRECTORY);
        try
        {
            return new RootDir(fd, ProcfsHandle.Shared.FdPath(fd.Fd));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="unsafePath"/> inside the root (symlinks followed, but never out of it).</summary>
    public SafeFd Open(string unsafePath, int flags)
    {
        Errno e = TryOpen(unsafePath, flags, out SafeFd? fd);
        if (e != Errno.OK) Check.Throw("openat2", e, Display(unsafePath));
        return fd!;
    }

    public Errno TryOpen(string unsafePath, int flags, out SafeFd? fd) => TryOpen(unsafePath, flags, InRoot, out fd);

    /// <summary>As <see cref="TryOpen(string,int,out SafeFd?)"/> with extra resolve flags (RESOLVE_NO_SYMLINKS for
    /// destinations that must be ordinary directories).</summary>
    public Errno TryOpen(string unsafePath, int flags, ulong resolve, out SafeFd? fd)
    {
        fd = null;
        string rel = Rel(unsafePath);
        int r, tries = 0;
        do r = openat2(Fd.Fd, rel, flags | O_CLOEXEC, 0, resolve | InRoot);
        while (r < 0 && Check.LastErrno is Errno.EINTR or Errno.EAGAIN && ++tries < 128);
        if (r >= 0) { fd = new SafeFd(r); return Errno.OK; }
        Errno e = Check.LastErrno;
        if (e != Errno.ENOSYS) return e;
        if ((resolve & RESOLVE_NO_SYMLINKS) != 0 && SecureJoin.Join(Path, unsafePath) != SecureJoin.LexicalJoin(Path, unsafePath))
            return Errno.ELOOP;
        return SecureJoin.TryOpenChecked(Path, unsafePath, flags, out fd);
    }

    /// <summary>os.MkdirAll inside the root: the directory <paramref name="unsafePath"/> resolves to, made with
    /// every missing parent; returns its O_PATH fd. A symlink met among the missing parts is resolved inside the root
    /// (an absolute /var/run -> /run), unless <paramref name="followSymlinks"/> is false.</summary>
    /// <param name="knownMissing">The caller just saw the whole path missing: skip that first open.</param>
    public SafeFd MkdirAll(string unsafePath, uint mode, bool followSymlinks = true, bool knownMissing = false) =>
        MkdirAll(unsafePath, mode, followSymlinks, knownMissing ? -1 : 0);

    private SafeFd MkdirAll(string unsafePath, uint mode, bool follow, int depth)
    {
        ulong resolve = follow ? 0 : RESOLVE_NO_SYMLINKS;
        Errno e = Errno.ENOENT;
        SafeFd? fd = null;
        if (depth >= 0) e = TryOpen(unsafePath, O_PATH | O_DIRECTORY, resolve, out fd);
        depth = Math.Max(depth, 0);
        if (e == Errno.OK) return fd!;
        // ENOTDIR: a file, or a symlink to where nothing is yet; the walk below tells them apart.
        if (e is not (Errno.ENOENT or Errno.ENOTDIR)) Check.Throw("openat2", e, Display(unsafePath));

        string[] parts = unsafePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        int have = parts.Length - 1;
        SafeFd? cur = null;
        for (; have > 0; have--)
        {
            e = TryOpen(string.Join('/', parts[..have]), O_PATH | O_DIRECTORY, resolve, out cur);
            if (e == Errno.OK) break;
            if (e is not (Errno.ENOENT or Errno.ENOTDIR)) Check.Throw("openat2", e, Display(string.Join('/', parts[..have])));
        }
        cur ??= Check.Fd(openat2(Fd.Fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, OneStep), "openat2", Path);
        try
        {
            for (int i = have; i < parts.Length; i++)
            {
                string p = parts[i];
                if (p == ".") continue;
                if (p == "..")
                    throw new SyscallException("mkdir", Errno.ENOENT, Display(unsafePath));
                if (mkdirat(cur.Fd, p, mode) < 0 && Check.LastErrno != Errno.EEXIST)
                    Check.Throw("mkdirat", Check.LastErrno, Display(string.Join('/', parts[..(i + 1)])));
                int r = openat2(cur.Fd, p, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, OneStep);
                if (r < 0)
                {
                    Errno e2 = Check.LastErrno;
                    // ELOOP: a symlink (RESOLVE_NO_SYMLINKS); anything else that readlinkat can read is one too.
                    string? target = (e2 is Errno.ELOOP or Errno.ENOTDIR) && follow && depth < MaxLinks ? ReadLinkAt(cur.Fd, p) : null;
                    if (target is null) Check.Throw("openat2", e2, Display(string.Join('/', parts[..(i + 1)])));
                    // A (dangling) symlink among the missing parts: go on from its target, inside the root.
                    string prefix = string.Join('/', parts[..i]);
                    string rest = string.Join('/', parts[(i + 1)..]);
                    string next = (target!.StartsWith('/') ? target : prefix + "/" + target) + "/" + rest;
                    cur.Dispose();
                    cur = null;
                    return MkdirAll(next, mode, follow, depth + 1);
                }
                cur.Dispose();
                cur = new SafeFd(r);
            }
            SafeFd done = cur;
            cur = null;
            return done;
        }
        finally
        {
            cur?.Dispose();
        }
    }

    /// <summary>The parent directory of <paramref name="unsafePath"/> (made if missing) and the last component,
    /// which must be a plain name.</summary>
    public SafeFd MkdirAllParent(string unsafePath, out string name) => MkdirAll(ParentOf(unsafePath, out name), 0x1ED /* 0755 */);

    /// <summary>The parent part of <paramref name="unsafePath"/> ("/" at the top) and its last component, which must
    /// be a plain name.</summary>
    public static string ParentOf(string unsafePath, out string name)
    {
        string p = unsafePath.TrimEnd('/');
        int slash = p.LastIndexOf('/');
        name = slash < 0 ? p : p[(slash + 1)..];
        if (name is "" or "." or "..")
            throw new ContainerException($"invalid path {unsafePath}: the last component must be a name");
        return slash <= 0 ? "/" : p[..slash];
    }

    /// <summary>Creates the regular file <paramref name="unsafePath"/> (O_CREAT|O_EXCL|O_NOFOLLOW below its verified
    /// parent) and returns it open read-only; a dangling symlink there is followed inside the root.</summary>
    public SafeFd CreateFile(string unsafePath, uint mode) => CreateFile(unsafePath, mode, 0);

    private SafeFd CreateFile(string unsafePath, uint mode, int depth)
    {
        using SafeFd parent = MkdirAllParent(unsafePath, out string name);
        int r = openat(parent.Fd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (r >= 0) return new SafeFd(r);
        Errno e = Check.LastErrno;
        if (e == Errno.EEXIST)
        {
            string? target = depth < MaxLinks ? ReadLinkAt(parent.Fd, name) : null;
            if (target is not null)
            {
                string dir = unsafePath.TrimEnd('/');
                dir = dir[..Math.Max(0, dir.LastIndexOf('/'))];
                return CreateFile(target.StartsWith('/') ? target : dir + "/" + target, mode, depth + 1);
            }
            // Made by someone else meanwhile: take what is there, through the parent.
            return Check.Fd(openat(parent.Fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0), "openat", Display(unsafePath));
        }
        throw new SyscallException("openat", e, Display(unsafePath));
    }

    /// <summary>Where <paramref name="fd"/> lies inside the root ("/proc/sys"), read back from procfs; an fd
    /// outside the root is an error.</summary>
    public string PathOf(SafeFd fd)
    {
        string full = ProcfsHandle.Shared.FdPath(fd.Fd);
        if (Path == "/") return full;
        if (full == Path) return "/";
        if (full.StartsWith(Path + "/", StringComparison.Ordinal)) return full[Path.Length..];
        throw new ContainerException($"mountpoint \"{full}\" is outside of rootfs \"{Path}\"");
    }

    /// <summary>The host path of a path inside the root, for messages.</summary>
    public string Display(string inRoot) => Display(Path, inRoot);

    public static string Display(string rootPath, string inRoot)
    {
        string clean = MountEntry.CleanPath("/" + inRoot);
        return rootPath == "/" ? clean : clean == "/" ? rootPath : rootPath + clean;
    }

    private static string Rel(string unsafePath)
    {
        string rel = unsafePath.TrimStart('/');
        return rel.Length == 0 ? "." : rel;
    }

    public void Dispose() => Fd.Dispose();
}
