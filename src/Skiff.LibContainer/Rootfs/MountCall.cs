using System.Text;
using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// mount(2)/umount2(2) with runc's error text (its mountError): "mount proc:/proc (via /proc/self/fd/7), flags: 0xe:
/// operation not permitted". The failure is a <see cref="SyscallException"/> whose Syscall is "mount" and whose Path
/// holds the rest of the context, so ErrorText.Has(Errno) still works.
/// </summary>
internal static class MountCall
{
    /// <summary>mount(source, procfd ?? target, fstype, flags, data); <paramref name="target"/> names the mount in
    /// errors when the call goes through a /proc/self/fd path.</summary>
    public static void Mount(string? source, string target, string? procfd, string? fstype, ulong flags, string? data)
    {
        Errno e = TryMount(source, target, procfd, fstype, flags, data);
        if (e != Errno.OK) throw Error("mount", source, target, procfd, flags, data, e);
    }

    public static Errno TryMount(string? source, string target, string? procfd, string? fstype, ulong flags, string? data)
    {
        string dst = string.IsNullOrEmpty(procfd) ? target : procfd;
        while (true)
        {
            int rc = mount(string.IsNullOrEmpty(source) ? "" : source, dst, string.IsNullOrEmpty(fstype) ? null : fstype,
                flags, string.IsNullOrEmpty(data) ? null : data);
            if (rc == 0) return Errno.OK;
            Errno e = Check.LastErrno;
            if (e != Errno.EINTR) return e;
        }
    }

    public static SyscallException Error(string op, string? source, string target, string? procfd, ulong flags,
        string? data, Errno e)
    {
        var sb = new StringBuilder();
        if (!string.IsNullOrEmpty(source)) sb.Append(source).Append(':');
        sb.Append(target);
        if (!string.IsNullOrEmpty(procfd)) sb.Append(" (via ").Append(procfd).Append(')');
        if (flags != 0) sb.Append(", flags: ").Append(MountEntry.FlagsHex(flags));
        if (!string.IsNullOrEmpty(data)) sb.Append(", data: ").Append(data);
        return new SyscallException(op, e, sb.ToString());
    }

    public static void Unmount(string target, int flags)
    {
        while (true)
        {
            if (umount2(target, flags) == 0) return;
            Errno e = Check.LastErrno;
            if (e == Errno.EINTR) continue;
            throw Error("unmount", null, target, null, (ulong)flags, null, e);
        }
    }

    public static Errno TryUnmount(string target, int flags)
    {
        while (true)
        {
            if (umount2(target, flags) == 0) return Errno.OK;
            Errno e = Check.LastErrno;
            if (e != Errno.EINTR) return e;
        }
    }

    /// <summary>statfs(2) flags turned into MS_* flags (runc's statfsToMountFlags).</summary>
    public static ulong StatfsToMountFlags(long st)
    {
        ulong flags = 0;
        (long St, ulong Ms)[] map =
        [
            (ST_RDONLY, MS_RDONLY), (ST_NOSUID, MS_NOSUID), (ST_NODEV, MS_NODEV), (ST_NOEXEC, MS_NOEXEC),
            (ST_MANDLOCK, MS_MANDLOCK), (ST_SYNCHRONOUS, MS_SYNCHRONOUS), (ST_NOATIME, MS_NOATIME),
            (ST_NODIRATIME, MS_NODIRATIME), (ST_RELATIME, MS_RELATIME), (ST_NOSYMFOLLOW, MS_NOSYMFOLLOW),
        ];
        foreach (var (s, m) in map)
            if ((st & s) == s) flags |= m;
        // MS_STRICTATIME is not stored in the mount; no atime mode at all means strictatime.
        if ((flags & AtimeEnumFlags) == 0) flags |= MS_STRICTATIME;
        return flags;
    }

    public const ulong AtimeEnumFlags = MS_NOATIME | MS_RELATIME | MS_STRICTATIME;
    public const ulong AtimeFlags = AtimeEnumFlags | MS_NODIRATIME;
    /// <summary>Flags the kernel locks on mounts inherited into a less privileged user namespace (MNT_LOCK_*).</summary>
    public const ulong LockFlags = MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_NOSUID | AtimeFlags;
}
