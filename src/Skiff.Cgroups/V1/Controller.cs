using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>One v1 subsystem (runc's fs.subsystem): how it joins a cgroup, writes limits and reads stats.</summary>
internal abstract class Controller
{
    /// <summary>The key in the paths map: "memory", "cpu", "name=systemd", "" (hybrid cgroup2).</summary>
    public abstract string Name { get; }

    /// <summary>Creates <paramref name="dir"/> and moves <paramref name="pid"/> in (-1: no pid).</summary>
    public virtual void Apply(CgroupFs fs, string dir, LinuxResources? r, int pid) => Join(fs, dir, pid);

    /// <summary>Writes the limits this subsystem owns; <paramref name="dir"/> null when it has no cgroup.</summary>
    public virtual void Set(CgroupFs fs, string? dir, LinuxResources r) { }

    /// <summary>Makes <paramref name="dir"/> ahead of <see cref="Apply"/> (see ICgroupManager.Prepare).</summary>
    public virtual void Prepare(CgroupFs fs, string dir) => MkdirAll(dir);

    public static void Join(CgroupFs fs, string dir, int pid)
    {
        MkdirAll(dir);
        WriteProc(fs, dir, pid);
    }

    /// <summary>mkdir -p with mode 0755; errors name the directory (EACCES/EROFS are what rootless skips).</summary>
    public static void MkdirAll(string dir)
    {
        if (Directory.Exists(dir)) return;
        string? parent = Path.GetDirectoryName(dir);
        if (parent is not null && parent != dir) MkdirAll(parent);
        Errno e = Check.Try(Libc.mkdir(dir, 0x1ED /* 0755 */));
        if (e != Errno.OK && e != Errno.EEXIST) Check.Throw("mkdir", e, dir);
    }

    /// <summary>Adds a pid to cgroup.procs, retrying EINVAL a few times (a task still in TASK_NEW), as runc.</summary>
    public static void WriteProc(CgroupFs fs, string dir, int pid)
    {
        if (pid == -1) return;
        string path = Path.Join(dir, "cgroup.procs");
        Errno err = Errno.OK;
        string syscall = "write";
        for (int i = 0; i < 5; i++)
        {
            err = fs.TryWrite(path, pid.ToString(System.Globalization.CultureInfo.InvariantCulture), out syscall);
            if (err != Errno.EINVAL) break;
            Thread.Sleep(30);
        }
        if (err != Errno.OK)
            throw new CgroupException($"failed to write {pid}", new SyscallException(syscall, err, path));
    }
}
