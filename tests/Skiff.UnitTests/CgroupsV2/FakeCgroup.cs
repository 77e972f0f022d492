namespace Skiff.UnitTests.CgroupsV2;

/// <summary>A temp directory laid out like a cgroup2 directory: the given files exist (empty), as cgroupfs has them.</summary>
internal sealed class FakeCgroup : IDisposable
{
    public static readonly string[] AllFiles =
    [
        "cgroup.procs", "cgroup.freeze", "cgroup.events", "cgroup.kill", "cgroup.subtree_control", "cgroup.type",
        "memory.max", "memory.low", "memory.high", "memory.swap.max", "memory.events", "memory.current",
        "cpu.max", "cpu.weight", "cpu.idle", "cpu.max.burst", "cpuset.cpus", "cpuset.mems",
        "io.weight", "io.max", "pids.max", "hugetlb.2MB.max", "hugetlb.2MB.rsvd.max", "hugetlb.1GB.max", "rdma.max",
    ];

    public FakeCgroup(string controllers = "cpuset cpu io memory hugetlb pids rdma", string[]? files = null)
    {
        Root = Path.Combine(Path.GetTempPath(), "skiff-fakecg-" + Guid.NewGuid().ToString("N")[..8]);
        Dir = Path.Combine(Root, "ctr");
        Directory.CreateDirectory(Dir);
        File.WriteAllText(Path.Combine(Root, "cgroup.controllers"), controllers + "\n");
        File.WriteAllText(Path.Combine(Root, "cgroup.subtree_control"), "");
        File.WriteAllText(Path.Combine(Dir, "cgroup.controllers"), controllers + "\n");
        foreach (string f in files ?? AllFiles) File.WriteAllText(Path.Combine(Dir, f), "");
    }

    public string Root { get; }
    public string Dir { get; }

    public string Read(string file) => File.ReadAllText(Path.Combine(Dir, file));
    public bool Has(string file) => File.Exists(Path.Combine(Dir, file));
    public void Write(string file, string text) => File.WriteAllText(Path.Combine(Dir, file), text);
    public void Remove(string file) => File.Delete(Path.Combine(Dir, file));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
