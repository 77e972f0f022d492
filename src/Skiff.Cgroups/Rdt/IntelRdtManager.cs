using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.Cgroups.Rdt;

/// <summary>
/// Intel RDT through the resctrl filesystem (runc's libcontainer/intelrdt): the container's CLOS group is
/// ROOT/&lt;closID or container id&gt;; its schemata file gets l3CacheSchema, memBwSchema and schemata lines; the init
/// and exec'd processes go into its tasks file; with enableMonitoring, also into ROOT/&lt;group&gt;/mon_groups/&lt;id&gt;.
/// closID "/" is the root (default) group itself (runc 1.4). Destroy removes the group only when skiff named it
/// (no closID) and created it (runc 1.5: a directory that was already there is left alone); otherwise only the
/// monitoring group: a named CLOS is shared and managed elsewhere.
/// </summary>
public sealed class IntelRdtManager
{
    public const string DefaultRoot = "/sys/fs/resctrl";

    /// <summary>
    /// Hidden test knob: env <c>SKIFF_RESCTRL_ROOT=/some/dir</c> makes containers with linux.intelRdt use that
    /// directory as the resctrl mount (instead of the resctrl mount found in /proc/self/mountinfo). A directory that
    /// is not resctrl is treated as a test tree: control files are created when written and tasks appended to.
    /// </summary>
    public const string RootVariable = "SKIFF_RESCTRL_ROOT";

    /// <summary>statfs f_type of resctrl (RDTGROUP_SUPER_MAGIC).</summary>
    private const long RdtGroupSuperMagic = 0x7655821;

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
        GroupPath = clos == "/" ? root : Path.Combine(root, clos);
    }

    private IntelRdtManager(LinuxIntelRdt config, string containerId, string root, string groupPath, bool created)
    {
        _config = config;
        _id = containerId;
        Root = root;
        GroupPath = groupPath;
        Created = created;
    }

    /// <summary>Whether <see cref="Apply"/> made the group directory (it did not exist before).</summary>
    public bool Created { get; private set; }

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
        // "/" alone is the root group; any other slash would leave the resctrl tree or nest groups
        if (clos is "." or ".." || (clos.Length > 1 && clos.Contains('/')))
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
        Created = Mkdir(GroupPath);
        if (MonitoringPath is { } mon)
        {
            // resctrl makes mon_groups with every CTRL_MON group; a test tree needs it made
            if (FakeTree) Directory.CreateDirectory(Path.GetDirectoryName(mon)!);
            Mkdir(mon);
        }
        if (pid != -1) AddTask(pid);
    }

    /// <summary>Adds a process (an exec'd one, say) to the group's tasks, and to the monitoring group's.</summary>
    public void AddTask(int pid)
    {
        WriteTasks(GroupPath, pid);
        if (MonitoringPath is { } mon) WriteTasks(mon, pid);
    }

    /// <summary>
    /// The resctrl mount to use for a container that asks for intelRdt: <see cref="RootVariable"/> if set, else the
    /// resctrl mount of /proc/self/mountinfo; throws runc's "not supported or enabled" error when there is none.
    /// </summary>
    public static string FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable(RootVariable);
        if (!string.IsNullOrEmpty(env)) return env;
        return RdtFeatures.FindMountpoint()
            ?? throw new IntelRdtException("intelRdt is specified in config, but Intel RDT is not supported or enabled");
    }

    /// <summary>
    /// The manager for a container's config as saved in its state (the group path of state.json's intel_rdt_path,
    /// and whether create made that directory): what delete needs to remove what skiff created.
    /// </summary>
    public static IntelRdtManager FromState(LinuxIntelRdt config, string containerId, string groupPath, bool created)
    {
        string root = config.ClosId == "/" ? groupPath : Path.GetDirectoryName(groupPath) ?? DefaultRoot;
        return new(config, containerId, root, groupPath, created);
    }

    /// <summary>
    /// Puts an exec'd process into a running container's group (runc's setns: WriteIntelRdtTasks on the saved path,
    /// when it still exists), and into its monitoring group mon_groups/&lt;id&gt; when there is one.
    /// </summary>
    public static void AddTask(string groupPath, string containerId, int pid)
    {
        if (!Directory.Exists(groupPath)) return;
        var m = new IntelRdtManager(new LinuxIntelRdt(), containerId, Path.GetDirectoryName(groupPath) ?? DefaultRoot, groupPath, false);
        m.WriteTasks(groupPath, pid);
        string mon = Path.Combine(groupPath, "mon_groups", containerId);
        if (Directory.Exists(mon)) m.WriteTasks(mon, pid);
    }

    /// <summary>True unless <see cref="Root"/> is a real resctrl mount (then it is a test tree).</summary>
    private bool FakeTree => _fakeTree ??= Libc.TryStatfsType(Root, out long t) != Errno.OK || t != RdtGroupSuperMagic;

    private bool? _fakeTree;

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
        WriteFile(Path.Combine(GroupPath, "schemata"), data + "\n", $"failed to write {data}", append: false);
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
        if (string.IsNullOrEmpty(_config.ClosId) && Created) RemoveDir(GroupPath);
        else if (MonitoringPath is { } mon) RemoveDir(mon);
    }

    /// <summary>mkdir 0755; true when it made the directory, false when it was there already.</summary>
    private bool Mkdir(string path)
    {
        Errno e = Check.Try(Libc.mkdir(path, 0x1ED /* 0755 */));
        if (e == Errno.OK) return true;
        if (e == Errno.EEXIST) return false;
        throw LastCmdError(new IntelRdtException("unable to create resctrl group", new SyscallException("mkdir", e, path)));
    }

    private void WriteTasks(string dir, int pid)
    {
        string text = pid.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // resctrl's tasks file takes one pid per write; a test tree keeps every pid, one a line, as resctrl lists them.
        WriteFile(Path.Combine(dir, "tasks"), FakeTree ? text + "\n" : text, $"failed to write {pid}", append: true);
    }

    private void WriteFile(string path, string data, string context, bool append)
    {
        using SafeFd fd = OpenForWrite(path, context, append);
        try
        {
            Libc.WriteAll(fd, System.Text.Encoding.UTF8.GetBytes(data));
        }
        catch (SyscallException e)
        {
            throw LastCmdError(new IntelRdtException(context, new SyscallException("write", e.Errno, path)));
        }
    }

    private SafeFd OpenForWrite(string path, string context, bool append)
    {
        int flags = Libc.O_WRONLY | Libc.O_TRUNC;
        if (FakeTree) flags = Libc.O_WRONLY | Libc.O_CREAT | (append ? Libc.O_APPEND : Libc.O_TRUNC);
        try { return Libc.Open(path, flags, 0x1A4 /* 0644 */); }
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
