using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>linux.maskedPaths and linux.readonlyPaths, applied inside the container after the root switch
/// (runc's maskPath/readonlyPath, called from standard_init_linux.go).</summary>
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
        foreach (string p in maskedPaths ?? [])
        {
            try { MaskPath(p); }
            catch (Exception ex) when (ex is SyscallException or ContainerException)
            {
                throw new ContainerException($"can't mask path {p}", ex);
            }
        }
    }

    /// <summary>Binds the path onto itself (recursively) and remounts it read-only, keeping its
    /// nosuid/nodev/noexec. A missing path is skipped.</summary>
    public static void ReadonlyPath(string path)
    {
        Errno e = MountCall.TryMount(path, path, null, null, MS_BIND | MS_REC, null);
        if (e == Errno.ENOENT) return;
        if (e != Errno.OK) throw MountCall.Error("mount", path, path, null, MS_BIND | MS_REC, null, e);

        Check.Rc(Statfs(path, out var st), "statfs", path);
        ulong flags = (ulong)st.Flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
        MountCall.Mount(path, path, null, null, flags | MS_BIND | MS_REMOUNT | MS_RDONLY, null);
    }

    /// <summary>Hides a file under /dev/null and a directory under an empty read-only tmpfs. A missing path is
    /// skipped.</summary>
    public static void MaskPath(string path)
    {
        Errno e = MountCall.TryMount("/dev/null", path, null, null, MS_BIND, null);
        if (e is Errno.OK or Errno.ENOENT) return;
        if (e == Errno.ENOTDIR)
        {
            MountCall.Mount("tmpfs", path, null, "tmpfs", MS_RDONLY, null);
            return;
        }
        throw MountCall.Error("mount", "/dev/null", path, null, MS_BIND, null, e);
    }
}
