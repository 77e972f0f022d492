using Skiff.Cgroups;
using Skiff.Cgroups.V1;

namespace Skiff.UnitTests.Cgroups;

/// <summary>
/// A hybrid cgroup layout in a temp dir, like this machine's: cpu,cpuacct combined, cpuset, memory (our process
/// in /process_api/abc), devices, freezer, blkio, pids, name=systemd, cgroup2 at unified. hugetlb, net_cls and
/// net_prio are not mounted unless asked for.
/// </summary>
internal sealed class FakeHierarchy : IDisposable
{
    public string Root { get; }
    public string CgroupDir => Path.Join(Root, "sys/fs/cgroup");
    public CgroupRoots Roots { get; }

    public FakeHierarchy(bool withHugetlbAndNet = false)
    {
        Root = Path.Join(Path.GetTempPath(), "skiff-cg-" + Guid.NewGuid().ToString("N")[..10]);
        var mounts = new List<(string Dir, string Opts, string Fs)>
        {
            ("cpu,cpuacct", "rw,cpu,cpuacct", "cgroup"), ("cpuset", "rw,cpuset", "cgroup"),
            ("memory", "rw,memory", "cgroup"), ("devices", "rw,devices", "cgroup"), ("freezer", "rw,freezer", "cgroup"),
            ("blkio", "rw,blkio", "cgroup"), ("pids", "rw,pids", "cgroup"), ("systemd", "rw,name=systemd", "cgroup"),
            ("unified", "rw", "cgroup2"),
        };
        if (withHugetlbAndNet)
        {
            mounts.Add(("hugetlb", "rw,hugetlb", "cgroup"));
            mounts.Add(("net_cls,net_prio", "rw,net_cls,net_prio", "cgroup"));
        }
        var mi = new List<string>
        {
            "22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw",
            $"30 22 0:27 / {CgroupDir} rw,relatime - tmpfs tmpfs rw,mode=755",
        };
        int id = 31;
        foreach (var (dir, opts, fs) in mounts)
        {
            Directory.CreateDirectory(Path.Join(CgroupDir, dir));
            mi.Add($"{id} 30 0:{id} / {Path.Join(CgroupDir, dir)} rw,nosuid,nodev,noexec,relatime shared:{id} - {fs} {fs} {opts}");
            id++;
        }
        File.WriteAllText(Path.Join(Root, "mountinfo"), string.Join('\n', mi) + "\n");
        string self = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n" +
                      "4:memory:/process_api/abc\n3:cpuset:/\n2:cpu,cpuacct:/\n0::/\n";
        if (withHugetlbAndNet) self = "11:hugetlb:/\n10:net_cls,net_prio:/\n" + self;
        File.WriteAllText(Path.Join(Root, "cgroup"), self);
        Directory.CreateDirectory(Path.Join(CgroupDir, "memory/process_api/abc"));
        File.WriteAllText(Path.Join(CgroupDir, "cpuset/cpuset.cpus"), "0-1\n");
        File.WriteAllText(Path.Join(CgroupDir, "cpuset/cpuset.mems"), "0\n");
        Roots = new CgroupRoots
        {
            MountInfo = Path.Join(Root, "mountinfo"), SelfCgroup = Path.Join(Root, "cgroup"), FakeFs = true,
        };
    }

    public string Dir(string rel) => Path.Join(CgroupDir, rel);

    public string Read(string rel) => File.ReadAllText(Dir(rel));

    public static List<(string Path, string Data)> Log(ICgroupManager m) => ((FsManager)m).Fs.WriteLog;

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
