using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.Rdt;

/// <summary>
/// Intel RDT through the resctrl filesystem (runc's libcontainer/intelrdt): the container's CLOS group is
/// ROOT/&lt;closID or container id&gt;; its schemata file gets l3CacheSchema, memBwSchema and schemata lines; the init
/// and exec'd processes go into its tasks file; with enableMonitoring, also into ROOT/&lt;group&gt;/mon_groups/&lt;id&gt;.
/// Destroy removes the group only when skiff named it (no closID): a named CLOS is shared and managed elsewhere.
/// </summary>
public sealed class IntelRdtManager
{
    public const string DefaultRoot = "/sys/fs/resctrl";

    private readonly LinuxIntelRdt _config;
    private readonly string _id;

    /// <param name="config">The spec's linux.intelRdt.</param>
    /// <param name="containerId">The container id: the group name when closID is empty, and the monitoring group's name.</param>
    /// <param name="root">The resctrl mount point (see <see cref="RdtFeatures.FindMountpoint"/>).</param>
    public IntelRdtManager(LinuxIntelRdt config, string containerId, string root = DefaultRoot)
    {
        _config = config;
        _id = containerId;
        Root = root;
        string clos = string.IsNullOrEmpty(config.ClosId) ? containerId : config.ClosId;
        GroupPath = Path.Combine(root, clos);
    }

    public string Root { get; }

    /// <summary>The CLOS group directory (what runc saves as the intel RDT path in the state).</summary>
    public string GroupPath { get; }

    /// <summary>The monitoring group directory, when enableMonitoring is set.</summary>
    public string? MonitoringPath => _config.EnableMonitoring == true ? Path.Combine(GroupPath, "mon_groups", _id) : null;

    /// <summary>
    /// runc's intelrdtCheck (create-time validation): resctrl must be there with the features the config asks for,
    /// and closID must be a plain name.
    /// </summary>
    public static void Validate(LinuxIntelRdt? config, RdtFeatures features)
    {
        if (config is null) return;
        if (!features.Cat && !features.Mba)
            throw new IntelRdtException("intelRdt is specified in config, but Intel RDT is not supported or enabled");
        string clos = config.ClosId ?? "";
        if (clos is "." or ".." || clos.Contains('/'))
            throw new IntelRdtException($"invalid intelRdt.ClosID \"{clos}\"");
        if (!features.Cat && !string.IsNullOrEmpty(config.L3CacheSchema))
            throw new IntelRdtException("intelRdt.l3CacheSchema is specified in config, but Intel RDT/CAT is not enabled");
        if (!features.Mba && !string.IsNullOrEmpty(config.MemBwSchema))
            throw new IntelRdtException("intelRdt.memBwSchema is specified in config, but Intel RDT/MBA is not enabled");
        if (config.EnableMonitoring == true && !features.Monitoring)
            throw new IntelRdtException("intelRdt.enableMonitoring is specified in config, but Intel RDT monitoring is not enabled");
    }

    private bool HasSchemata =>
        !string.IsNullOrEmpty(_config.L3CacheSchema) || !string.IsNullOrEmpty(_config.MemBwSchema) || _config.Schemata is { Count: > 0 };

    /// <summary>Creates the group (and monitoring group) and puts <paramref name="pid"/> in (-1: create only).</summary>
    public void Apply(int pid)
    {
        if (!string.IsNullOrEmpty(_config.ClosId) && !HasSchemata && !Directory.Exists(GroupPath))
            // Nothing to write: the named CLOS must have been set up beforehand.
            throw new IntelRdtException("clos dir not accessible (must be pre-created when schemata, l3CacheSchema and memBwSchema are empty)",
                new SyscallException("stat", Errno.ENOENT, GroupPath));
        Mkdir(GroupPath);
        if (MonitoringPath is { } mon) Mkdir(mon);
        if (pid != -1) AddTask(pid);
    }

    /// <summary>Adds a process (an exec'd one, say) to the group's tasks, and to the monitoring group's.</summary>
    public void AddTask(int pid)
    {
        WriteTasks(GroupPath, pid);
        if (MonitoringPath is { } mon) WriteTasks(mon, pid);
    }

    /// <summary>
    /// Writes the schemata file: l3CacheSchema, memBwSchema, then each schemata line, in one write
    /// (nothing when none is given: a pre-existing CLOS keeps its own).
    /// </summary>
    public void Set()
    {
        var lines = new List<string>();
        if (!string.IsNullOrEmpty(_config.L3CacheSchema)) lines.Add(_config.L3CacheSchema);
        if (!string.IsNullOrEmpty(_config.MemBwSchema)) lines.Add(_config.MemBwSchema);
        if (_config.Schemata is { } extra) lines.AddRange(extra.Where(l => l.Length > 0));
        if (lines.Count == 0) return;
        string data = string.Join('\n', lines);
        WriteFile(Path.Combine(GroupPath, "schemata"), data + "\n", $"failed to write {data}");
    }

    /// <summary>The pids in the group's tasks file.</summary>
    public IReadOnlyList<int> GetTasks()
    {
        string path = Path.Combine(GroupPath, "tasks");
        if (!File.Exists(path)) return [];
        return File.ReadAllLines(path).Select(l => int.TryParse(l.Trim(), out int p) ? p : -1).Where(p => p > 0).ToList();
    }

    /// <summary>
    /// Removes what skiff created: the whole group when it was named after the container; with a closID only the
    /// monitoring group (if any): the CLOS itself is likely shared and managed by someone else.
    /// </summary>
    public void Destroy()
    {
        if (string.IsNullOrEmpty(_config.ClosId)) RemoveDir(GroupPath);
        else if (MonitoringPath is { } mon) RemoveDir(mon);
    }

    private void Mkdir(string path)
    {
        try { Directory.CreateDirectory(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw LastCmdError(new IntelRdtException($"mkdir {path}: {e.Message}", e));
        }
    }

    private void WriteTasks(string dir, int pid) =>
        WriteFile(Path.Combine(dir, "tasks"), pid.ToString(System.Globalization.CultureInfo.InvariantCulture), $"failed to write {pid}");

    private void WriteFile(string path, string data, string context)
    {
        using SafeFd fd = OpenForWrite(path, context);
        try
        {
            Libc.WriteAll(fd, System.Text.Encoding.UTF8.GetBytes(data));
        }
        catch (SyscallException e)
        {
            throw LastCmdError(new IntelRdtException(context, new SyscallException("write", e.Errno, path)));
        }
    }

    private SafeFd OpenForWrite(string path, string context)
    {
        try { return Libc.Open(path, Libc.O_WRONLY | Libc.O_TRUNC); }
        catch (SyscallException e) { throw LastCmdError(new IntelRdtException(context, e)); }
    }

    /// <summary>Adds the kernel's diagnostic for the last resctrl operation (info/last_cmd_status), as runc's newLastCmdError.</summary>
    private Exception LastCmdError(IntelRdtException e)
    {
        try
        {
            string status = File.ReadAllText(Path.Combine(Root, "info", "last_cmd_status")).Trim();
            if (status.Length > 0 && status != "ok") return new IntelRdtException($"{e.Message}, last_cmd_status: {status}", e.InnerException);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return e;
    }

    private static void RemoveDir(string path)
    {
        // resctrl removes a group with a plain rmdir (its files cannot be unlinked); elsewhere (tests) delete the tree.
        Errno e = Check.Try(Libc.rmdir(path));
        if (e is Errno.OK or Errno.ENOENT) return;
        if (e is Errno.ENOTEMPTY or Errno.EEXIST) { Directory.Delete(path, recursive: true); return; }
        Check.Throw("rmdir", e, path);
    }
}
