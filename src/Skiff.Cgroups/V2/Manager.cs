using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V2;

/// <summary>
/// The cgroup v2 manager (runc's libcontainer/cgroups/fs2): one directory under a cgroup2 mount.
/// Resource writing is in Manager.Set.cs, the freezer and kill in Manager.Freezer.cs.
/// </summary>
public sealed partial class Manager : ICgroupManager
{
    /// <param name="absoluteCgroupDir">The container's cgroup directory, e.g. /sys/fs/cgroup/user.slice/ctr.</param>
    /// <param name="mountRoot">The cgroup2 mount containing it (/sys/fs/cgroup, or /sys/fs/cgroup/unified in hybrid mode).</param>
    public Manager(string absoluteCgroupDir, string mountRoot)
    {
        string dir = CgroupPath.GoClean(absoluteCgroupDir);
        string root = CgroupPath.GoClean(mountRoot);
        if (!dir.StartsWith('/') || !(dir == root || dir.StartsWith(root == "/" ? "/" : root + "/", StringComparison.Ordinal)))
            throw new CgroupV2Exception($"invalid cgroup path {absoluteCgroupDir}");
        Dir = dir;
        MountRoot = root;
    }

    /// <summary>A manager for the container's cgroup following runc's fs2 path rules (see <see cref="CgroupPath.Resolve"/>).</summary>
    public static Manager ForPath(string? cgroupsPath, string containerId, string mountRoot = Hierarchy.DefaultMountpoint) =>
        new(CgroupPath.Resolve(cgroupsPath, containerId, mountRoot), mountRoot);

    /// <summary>The container's cgroup directory.</summary>
    public string Dir { get; }

    /// <summary>The cgroup2 mount point this manager works under.</summary>
    public string MountRoot { get; }

    /// <summary>
    /// The resources the container will get, if known before <see cref="Apply"/>: used, as runc does, to refuse
    /// entering a "domain invalid"/threaded cgroup when domain controllers (memory, io, cpu, pids, hugetlb) are needed.
    /// </summary>
    public LinuxResources? Resources { get; set; }

    /// <summary>
    /// Re-opened from state.json (exec, kill, delete): <see cref="Apply"/> only moves the pid into the existing
    /// cgroup, as runc's EnterPid, and never creates it again.
    /// </summary>
    public bool Loaded { get; init; }

    public IReadOnlyDictionary<string, string> Paths => new Dictionary<string, string> { [""] = Dir };

    public bool Exists() => Directory.Exists(Dir);

    /// <summary>
    /// Creates the cgroup (mkdir -p), enabling in every ancestor's cgroup.subtree_control, from the mount root down,
    /// the controllers the mount root offers; then moves <paramref name="pid"/> in (-1: create only).
    /// </summary>
    public void Apply(int pid)
    {
        if (Loaded)
        {
            if (pid != -1 && Directory.Exists(Dir)) WriteProcs(pid);
            return;
        }
        CreatePath();
        if (pid != -1) WriteProcs(pid);
    }

    private void CreatePath()
    {
        string rel = Dir == MountRoot ? "" : Dir[(MountRoot.Length + (MountRoot == "/" ? 0 : 1))..];
        string[] parts = rel.Length == 0 ? [] : rel.Split('/');
        string? enable = EnableString(CgroupFiles.TryRead(MountRoot, "cgroup.controllers"));
        var created = new List<string>();
        try
        {
            string current = MountRoot;
            for (int i = 0; i <= parts.Length; i++)
            {
                if (i > 0)
                {
                    current = Path.Combine(current, parts[i - 1]);
                    Errno e = Check.Try(Libc.mkdir(current, 0x1ed /* 0755 */));
                    if (e == Errno.OK) created.Add(current);
                    else if (e != Errno.EEXIST) Check.Throw("mkdir", e, current);
                    CheckType(current);
                }
                if (i < parts.Length && enable is not null) EnableControllers(current, enable);
            }
        }
        catch
        {
            for (int i = created.Count - 1; i >= 0; i--) Libc.rmdir(created[i]);
            throw;
        }
    }

    /// <summary>"+cpu +memory ..." from a cgroup.controllers text, or null when it offers none.</summary>
    internal static string? EnableString(string? controllers)
    {
        string[] ctrs = (controllers ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return ctrs.Length == 0 ? null : "+" + string.Join(" +", ctrs);
    }

    private static void EnableControllers(string dir, string enable)
    {
        // All at once, else one by one; controllers that cannot be enabled (rootless, containerized) surface
        // later as "controller not available" when a limit needs them.
        if (CgroupFiles.TryWrite(dir, "cgroup.subtree_control", enable, out _) == Errno.OK) return;
        foreach (string c in enable.Split(' '))
            if (CgroupFiles.TryWrite(dir, "cgroup.subtree_control", c, out _) != Errno.OK && Log.IsDebug)
                Log.Debug($"cannot enable controller {c[1..]} in {dir}/cgroup.subtree_control");
    }

    private void CheckType(string dir)
    {
        string? type = CgroupFiles.TryRead(dir, "cgroup.type")?.Trim();
        switch (type)
        {
            case "domain invalid":
                // An internal process in the tree made it invalid: only thread-aware controllers can be used.
                if (NeedsDomainControllers(Resources))
                    throw new CgroupV2Exception($"cannot enter cgroupv2 \"{dir}\" with domain controllers -- it is in an invalid state");
                CgroupFiles.TryWrite(dir, "cgroup.type", "threaded", out _);
                break;
            case "domain threaded":
            case "threaded":
                if (NeedsDomainControllers(Resources))
                    throw new CgroupV2Exception($"cannot enter cgroupv2 \"{dir}\" with domain controllers -- it is in {type} mode");
                break;
        }
    }

    private static bool NeedsDomainControllers(LinuxResources? r) =>
        r is not null && (IsMemorySet(r) || IsIoSet(r) || IsCpuSet(r) || r.HugepageLimits is { Count: > 0 } || r.Pids?.Limit is not null);

    private void WriteProcs(int pid)
    {
        for (int attempt = 0; ; attempt++)
        {
            Errno e = CgroupFiles.TryWrite(Dir, "cgroup.procs", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), out Exception? err);
            if (e == Errno.OK) return;
            // EINVAL: the task may still be in TASK_NEW; try again (runc: 5 times, 30ms apart).
            if (e == Errno.EINVAL && attempt < 4) { Thread.Sleep(30); continue; }
            if (e == Errno.EBUSY)
            {
                string sub = CgroupFiles.TryRead(Dir, "cgroup.subtree_control")?.Trim() ?? "";
                string why = sub.Length > 0
                    ? $"{Dir} has controllers enabled in its cgroup.subtree_control ({sub}), and cgroup v2 forbids processes in a cgroup that distributes domain controllers to children (\"no internal processes\"): use a leaf cgroup"
                    : $"{Dir} cannot take processes (it is not a leaf, or its cgroup.type is \"domain invalid\")";
                throw new CgroupV2Exception($"failed to write {pid} to cgroup.procs: {why}", err);
            }
            throw new CgroupV2Exception($"failed to write {pid}", err);
        }
    }

    /// <summary>Removes the cgroup and any sub-cgroups (rmdir, EBUSY retried briefly). Missing is fine.</summary>
    public void Destroy() => RemovePath(Dir);

    internal static void RemovePath(string path)
    {
        if (Rmdir(path, retry: false) == Errno.OK) return;
        try
        {
            foreach (string sub in Directory.EnumerateDirectories(path)) RemovePath(sub);
        }
        catch (DirectoryNotFoundException) { return; }
        Errno e = Rmdir(path, retry: true);
        if (e != Errno.OK) Check.Throw("rmdir", e, path);
    }

    private static Errno Rmdir(string path, bool retry)
    {
        int delayMs = 1;
        for (int tries = 10; ; tries--)
        {
            Errno e = Check.Try(Libc.rmdir(path));
            switch (e)
            {
                case Errno.OK or Errno.ENOENT: return Errno.OK;
                case Errno.EINTR: continue;
                case Errno.EBUSY when retry && tries > 0:
                    Thread.Sleep(delayMs);
                    delayMs *= 2;
                    continue;
                default: return e;
            }
        }
    }

    /// <summary>The processes directly in the cgroup (cgroup.procs); empty when the cgroup does not exist.</summary>
    public IReadOnlyList<int> GetPids() => CgroupFiles.ParsePids(CgroupFiles.TryRead(Dir, "cgroup.procs") ?? "");

    /// <summary>The processes in the cgroup and all its sub-cgroups.</summary>
    public IReadOnlyList<int> GetAllPids()
    {
        var all = new List<int>();
        Walk(Dir, all);
        return all;

        static void Walk(string dir, List<int> into)
        {
            string? procs = CgroupFiles.TryRead(dir, "cgroup.procs");
            if (procs is null) return;
            into.AddRange(CgroupFiles.ParsePids(procs));
            IEnumerable<string> subs;
            try { subs = Directory.EnumerateDirectories(dir).ToList(); }
            catch (DirectoryNotFoundException) { return; }
            foreach (string sub in subs) Walk(sub, into);
        }
    }

    /// <summary>The "oom_kill" count of memory.events (0 when the memory controller is not there).</summary>
    public ulong OomKillCount()
    {
        string? events = CgroupFiles.TryRead(Dir, "memory.events");
        return events is not null && ulong.TryParse(CgroupFiles.ValueByKey(events, "oom_kill"), out ulong n) ? n : 0;
    }
}
