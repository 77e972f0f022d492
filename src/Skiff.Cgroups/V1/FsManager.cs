using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.V1;

/// <summary>
/// The cgroupfs (v1, hybrid) manager, after runc's libcontainer/cgroups/fs: one directory per mounted hierarchy,
/// limits written file by file, plus the hybrid cgroup2 directory (key "").
/// </summary>
internal sealed class FsManager : ICgroupManager
{
    internal static readonly Controller[] Controllers =
    [
        new CpusetController(), new DevicesController(), new MemoryController(), new CpuController(),
        new NamedController("cpuacct"), new PidsController(), new BlkioController(), new HugetlbController(),
        new NetClsController(), new NetPrioController(), new NamedController("perf_event"), new FreezerController(),
        new RdmaController(), new NamedController("name=systemd"), new NamedController("misc"), new NamedController(""),
    ];

    private readonly Dictionary<string, string> _paths;
    private readonly CgroupFs _fs;
    private readonly bool _rootless;
    private readonly bool _explicitPath;
    private readonly bool _loaded;
    private readonly LinuxResources? _initial;

    internal FsManager(Dictionary<string, string> paths, CgroupFs fs, bool rootless, bool explicitPath, bool loaded,
        LinuxResources? initial)
    {
        _paths = paths;
        _fs = fs;
        _rootless = rootless;
        _explicitPath = explicitPath;
        _loaded = loaded;
        _initial = initial;
    }

    public IReadOnlyDictionary<string, string> Paths => _paths;

    internal CgroupFs Fs => _fs;

    public void Apply(int pid)
    {
        if (_loaded)
        {
            // Re-opened from state.json (exec): only join the existing directories, as runc's EnterPid.
            foreach (string dir in _paths.Values.Distinct())
                if (Directory.Exists(dir)) Controller.WriteProc(_fs, dir, pid);
            return;
        }
        if (_initial?.Unified is { Count: > 0 }) throw NoUnified();
        foreach (Controller c in Controllers)
        {
            if (!_paths.TryGetValue(c.Name, out string? dir)) continue;
            try
            {
                c.Apply(_fs, dir, _initial, pid);
            }
            catch (Exception ex) when (_rootless && !_explicitPath && IsPermissionError(ex))
            {
                // Rootless without an explicit cgroupsPath: go on without this hierarchy; limits asked for
                // in it fail later in Set with a clear message.
                _paths.Remove(c.Name);
            }
        }
    }

    public void Prepare()
    {
        if (_loaded || _initial?.Unified is { Count: > 0 }) return;
        foreach (Controller c in Controllers)
        {
            if (!_paths.TryGetValue(c.Name, out string? dir)) continue;
            try
            {
                c.Prepare(_fs, dir);
            }
            catch (Exception ex) when (ex is SyscallException or IOException or CgroupException)
            {
                return; // Apply meets it again and says so
            }
        }
    }

    public void Set(LinuxResources? resources)
    {
        if (resources is null) return;
        if (resources.Unified is { Count: > 0 }) throw NoUnified();
        foreach (Controller c in Controllers)
        {
            if (c is NamedController) continue;
            string? dir = _paths.GetValueOrDefault(c.Name);
            try
            {
                c.Set(_fs, dir, resources);
            }
            catch (Exception) when (_rootless && c.Name == "devices")
            {
                // Device rules are not expected to work rootless (runc ignores them too).
            }
            catch (Exception ex) when (dir is null || ex is CgroupFs.NoDirectoryException)
            {
                throw new CgroupException($"cannot set {c.Name} limit: container could not join or create cgroup");
            }
        }
    }

    public void Destroy() => CgroupRemover.RemovePaths(_paths.Values, _fs.Fake);

    public IReadOnlyList<int> GetPids()
    {
        string? dir = PidsDir();
        return dir is null ? [] : ReadProcs(dir) ?? [];
    }

    public IReadOnlyList<int> GetAllPids()
    {
        string? dir = PidsDir();
        var pids = new List<int>();
        if (dir is null || !Directory.Exists(dir)) return pids;
        var stack = new Stack<string>();
        stack.Push(dir);
        while (stack.Count > 0)
        {
            string d = stack.Pop();
            pids.AddRange(ReadProcs(d) ?? []);
            try
            {
                foreach (string sub in Directory.EnumerateDirectories(d)) stack.Push(sub);
            }
            catch (DirectoryNotFoundException) { /* removed while walking */ }
        }
        return pids;
    }

    /// <summary>runc takes the pids from the devices hierarchy; fall back to any we have (rootless).</summary>
    private string? PidsDir()
    {
        if (_paths.TryGetValue("devices", out string? devices)) return devices;
        foreach ((string controller, string path) in _paths)
            if (controller.Length > 0) return path;
        return null;
    }

    private static List<int>? ReadProcs(string dir)
    {
        string path = Path.Join(dir, "cgroup.procs");
        string? text = CgroupFs.TryRead(path, out Errno err);
        if (text is null)
        {
            if (err == Errno.ENOENT) return null;
            throw new SyscallException("open", err, path);
        }
        var pids = new List<int>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(line, out int pid))
                throw new CgroupException($"invalid pid \"{line}\" in {path}");
            pids.Add(pid);
        }
        return pids;
    }

    public void Freeze() => FreezerController.Freeze(_fs, FreezerDir());

    public void Thaw() => FreezerController.Thaw(_fs, FreezerDir());

    public bool TryKillAll() => false;

    public bool IsFrozen() => _paths.TryGetValue("freezer", out string? dir) && FreezerController.IsFrozen(_fs, dir);

    private string FreezerDir() => _paths.GetValueOrDefault("freezer")
        ?? throw new CgroupException("cannot toggle freezer: cgroups not configured for container");

    public ulong OomKillCount()
    {
        if (!_paths.TryGetValue("memory", out string? dir)) return 0;
        string path = Path.Join(dir, "memory.oom_control");
        string? text = CgroupFs.TryRead(path, out Errno err);
        if (text is null)
            return err == Errno.ENOENT ? 0UL : throw new SyscallException("open", err, path);
        return CgroupFs.ValueByKey(text, "oom_kill") ?? 0;
    }

    public bool Exists() => PidsDir() is string dir && Directory.Exists(dir);

    public CgroupStats GetStats() => StatsReader.Read(_fs, _paths);

    private static CgroupException NoUnified() => new("invalid configuration: cannot use unified on cgroup v1");

    /// <summary>runc's isIgnorableError: EPERM, EACCES or EROFS anywhere in the chain.</summary>
    internal static bool IsPermissionError(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SyscallException { Errno: Errno.EPERM or Errno.EACCES or Errno.EROFS }) return true;
            if (e is UnauthorizedAccessException) return true;
        }
        return false;
    }
}
