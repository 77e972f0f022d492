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

    /// <summary>Creates every node under <paramref name="rootfs"/> with umask 0.</summary>
    public static void Create(string rootfs, IEnumerable<Node> nodes, bool useBindMount)
    {
        uint old = umask(0);
        try
        {
            foreach (var node in nodes)
            {
                // /dev/ptmx is made by SetupPtmx.
                if (MountEntry.CleanPath(node.Path) == "/dev/ptmx") continue;
                CreateNode(rootfs, node, useBindMount);
            }
        }
        finally { umask(old); }
    }

    private static void CreateNode(string rootfs, Node node, bool bind)
    {
        if (node.Path.Length == 0) return;
        string dest = SecureJoin.Join(rootfs, node.Path);
        int slash = dest.LastIndexOf('/');
        if (slash > 0) SecureJoin.MkdirAll(dest[..slash], 0x1ED /* 0755 */);
        if (bind) { BindMountNode(rootfs, dest, node); return; }

        uint type = node.Type switch
        {
            'b' => S_IFBLK,
            'c' => S_IFCHR,
            'p' => S_IFIFO,
            _ => throw new ContainerException($"{node.Type} is not a valid device type for device {node.Path}"),
        };
        ulong dev = Makedev((ulong)node.Major, (ulong)node.Minor);
        if (mknod(dest, node.FileMode | type, dev) < 0)
        {
            Errno e = Check.LastErrno;
            if (e == Errno.EEXIST) return;
            if (e is Errno.EPERM or Errno.EACCES) { BindMountNode(rootfs, dest, node); return; }
            Check.Throw("mknod", e, dest);
        }
        Check.Rc(chmod(dest, node.FileMode), "chmod", dest);
        Check.Rc(chown(dest, node.Uid, node.Gid), "chown", dest);
    }

    private static void BindMountNode(string rootfs, string dest, Node node)
    {
        int fd = open(dest, O_CREAT | O_CLOEXEC | O_WRONLY | O_TRUNC, Mode0666);
        if (fd >= 0) close(fd);
        else if (Check.LastErrno != Errno.EEXIST) Check.Throw("open", Check.LastErrno, dest);
        SecureJoin.WithProcfd(rootfs, dest, procfd =>
            MountCall.Mount(node.Path, dest, procfd, "bind", MS_BIND, null));
    }

    /// <summary>/dev/ptmx -> pts/ptmx.</summary>
    public static void SetupPtmx(string rootfs)
    {
        string ptmx = Path.Join(rootfs, "dev/ptmx");
        if (unlink(ptmx) < 0 && Check.LastErrno != Errno.ENOENT) Check.Throw("remove", Check.LastErrno, ptmx);
        Check.Rc(symlink("pts/ptmx", ptmx), "symlink", ptmx);
    }

    /// <summary>/dev/fd, /dev/std{in,out,err} and (when the kernel has it) /dev/core.</summary>
    public static void SetupSymlinks(string rootfs)
    {
        var links = new List<(string Target, string Link)>
        {
            ("/proc/self/fd", "/dev/fd"),
            ("/proc/self/fd/0", "/dev/stdin"),
            ("/proc/self/fd/1", "/dev/stdout"),
            ("/proc/self/fd/2", "/dev/stderr"),
        };
        if (StatMode(AT_FDCWD, "/proc/kcore", 0, out _) == 0) links.Add(("/proc/kcore", "/dev/core"));
        foreach (var (target, link) in links)
        {
            string dst = Path.Join(rootfs, link);
            if (symlink(target, dst) < 0 && Check.LastErrno != Errno.EEXIST)
                Check.Throw("symlink " + target, Check.LastErrno, dst);
        }
    }

    /// <summary>After the root switch: stdio fds that point at the host's /dev/null are re-pointed at the
    /// container's.</summary>
    public static void ReopenDevNull()
    {
        using SafeFd devNull = Libc.Open("/dev/null", O_RDWR);
        Check.Rc(FstatRdev(devNull.Fd, out _, out uint nMaj, out uint nMin), "fstat", "/dev/null");
        for (int fd = 0; fd < 3; fd++)
        {
            Check.Rc(FstatRdev(fd, out uint mode, out uint maj, out uint min), "fstat", "fd " + fd);
            if ((mode & S_IFMT) == S_IFCHR && maj == nMaj && min == nMin)
                Check.Rc(dup3(devNull.Fd, fd, 0), "dup3", "fd " + devNull.Fd);
        }
    }

    /// <summary>Whether this process is in a user namespace other than the initial one (uid_map is not the
    /// identity map of the whole range).</summary>
    public static bool RunningInUserNs()
    {
        try
        {
            string map = File.ReadAllText("/proc/self/uid_map").Trim();
            string[] f = map.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return !(f.Length == 3 && f[0] == "0" && f[1] == "0" && f[2] == "4294967295");
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
