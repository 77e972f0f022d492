using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// The "tmpcopyup" mount option (runc's doTmpfsCopyUp): the tmpfs is made detached (fsopen/fsmount), the directory it
/// will cover is copied into it (files, directories, symlinks, device nodes and fifos with their modes and owners),
/// then it is attached onto that directory. Every step goes through fds: each entry of the source is opened once,
/// O_PATH|O_NOFOLLOW below its directory's fd, and what its fstat says is what gets copied: a directory is read
/// through that fd, a regular file is reopened through it (procfs), never by its name again, so an entry swapped
/// meanwhile (a fifo whose open would block init) is not what is opened; a symlink in the image is copied as a
/// symlink, never followed. A regular file's holes stay holes: a sparse file in the image (a few bytes on disk, any
/// size) does not become that many bytes of the tmpfs, which is memory.
/// </summary>
internal static class TmpfsCopyUp
{
    /// <summary>A detached tmpfs with the mount's data options and per-mount flags, filled with the content of
    /// <paramref name="dst"/>, then attached onto it. Returns the fd of the new mount.</summary>
    public static SafeFd Mount(MountEntry m, SafeFd dst)
    {
        var options = new List<(string, string?)>();
        foreach (string o in m.Data.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = o.IndexOf('=');
            options.Add(eq < 0 ? (o, null) : (o[..eq], o[(eq + 1)..]));
        }
        SafeFd mnt = FsMount("tmpfs", m.Source.Length > 0 ? m.Source : "tmpfs", options, MountAttrs(m.Flags));
        try
        {
            using (SafeFd src = Check.Fd(openat(dst.Fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), "openat", m.Destination))
            using (SafeFd to = Check.Fd(openat(mnt.Fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), "openat", "tmpfs"))
                CopyDir(src, to, m.Destination);
            Check.Rc(move_mount(mnt.Fd, "", dst.Fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH), "move_mount",
                "tmpfs:" + m.Destination);
            return mnt;
        }
        catch (Exception ex) when (ex is SyscallException or IOException)
        {
            mnt.Dispose();
            throw new ContainerException($"tmpcopyup failed for {m.Destination}", ex);
        }
    }

    /// <summary>mount(2) per-mount flags as fsmount(2) attributes (read-only waits for Finalize, as for every tmpfs).</summary>
    private static ulong MountAttrs(ulong flags)
    {
        ulong a = 0;
        if ((flags & MS_NOSUID) != 0) a |= MOUNT_ATTR_NOSUID;
        if ((flags & MS_NODEV) != 0) a |= MOUNT_ATTR_NODEV;
        if ((flags & MS_NOEXEC) != 0) a |= MOUNT_ATTR_NOEXEC;
        if ((flags & MS_NOSYMFOLLOW) != 0) a |= MOUNT_ATTR_NOSYMFOLLOW;
        if ((flags & MS_NODIRATIME) != 0) a |= MOUNT_ATTR_NODIRATIME;
        if ((flags & MS_NOATIME) != 0) a |= MOUNT_ATTR_NOATIME;
        else if ((flags & MS_STRICTATIME) != 0) a |= MOUNT_ATTR_STRICTATIME;
        return a;
    }

    private static void CopyDir(SafeFd src, SafeFd dst, string shown)
    {
        // The entries are listed through the magic link of the fd; each one is then opened relative to the fd.
        foreach (string entry in Directory.EnumerateFileSystemEntries(MountToRootfs.ProcFd(src)))
        {
            string name = Path.GetFileName(entry);
            string where = shown.TrimEnd('/') + "/" + name;
            using SafeFd node = Check.Fd(openat(src.Fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0), "openat", where);
            Stat st = FStat(node);
            uint type = st.Mode & S_IFMT, perm = st.Mode & 0xFFF;
            switch (type)
            {
                case S_IFDIR:
                {
                    Check.Rc(mkdirat(dst.Fd, name, 0x1C0 /* 0700 until copied */), "mkdirat", where);
                    using (SafeFd s = Check.Fd(openat(node.Fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), "openat", where))
                    using (SafeFd d = Check.Fd(openat(dst.Fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0), "openat", where))
                    {
                        CopyDir(s, d, where);
                        Check.Rc(fchown(d.Fd, st.Uid, st.Gid), "fchown", where);
                        Check.Rc(fchmod(d.Fd, perm), "fchmod", where);
                    }
                    break;
                }
                case S_IFREG:
                {
                    using SafeFd s = Reopen(node, where);
                    using SafeFd d = Check.Fd(openat(dst.Fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0x180), "openat", where);
                    CopySparse(d, s, st.Size, where);
                    Check.Rc(fchown(d.Fd, st.Uid, st.Gid), "fchown", where);
                    Check.Rc(fchmod(d.Fd, perm), "fchmod", where);
                    break;
                }
                case S_IFLNK:
                {
                    string target = ReadLinkAt(node.Fd, "") ?? throw new SyscallException("readlinkat", Check.LastErrno, where);
                    Check.Rc(symlinkat(target, dst.Fd, name), "symlinkat", where);
                    Check.Rc(fchownat(dst.Fd, name, st.Uid, st.Gid, AT_SYMLINK_NOFOLLOW), "fchownat", where);
                    break;
                }
                case S_IFCHR or S_IFBLK or S_IFIFO:
                {
                    Check.Rc(mknodat(dst.Fd, name, type | perm, st.Rdev), "mknodat", where);
                    Check.Rc(fchownat(dst.Fd, name, st.Uid, st.Gid, AT_SYMLINK_NOFOLLOW), "fchownat", where);
                    Check.Rc(fchmodat(dst.Fd, name, perm, 0), "fchmodat", where);
                    break;
                }
                default:
                    break; // sockets are not copied (as moby's CopyDirectory)
            }
        }
    }

    /// <summary>The regular file behind <paramref name="node"/> (O_PATH), opened for reading through the procfs
    /// handle; an error names the file.</summary>
    private static SafeFd Reopen(SafeFd node, string shown)
    {
        try
        {
            return ProcfsHandle.Shared.Reopen(node.Fd, O_RDONLY);
        }
        catch (SyscallException ex)
        {
            throw new SyscallException("open", ex.Errno, shown);
        }
    }
}
