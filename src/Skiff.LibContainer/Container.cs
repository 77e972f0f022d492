using System.Text.Json;
using Skiff.Cgroups;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Hooks;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;
using Skiff.RuntimeSpec.Json;

namespace Skiff.LibContainer;

/// <summary>
/// A container and its verbs (runc's libcontainer Container). Each verb is short; the work is in Processes/,
/// Init/ and Skiff.Cgroups. The lifecycle is drawn in README.md beside this file.
/// </summary>
public sealed partial class Container
{
    private const string StateFile = "state.json";
    private const string FifoName = "exec.fifo";

    private ContainerState _state;

    private Container(string root, ContainerState state)
    {
        StateDir = Path.Combine(root, state.Id);
        _state = state;
    }

    /// <summary>root/id: state.json and exec.fifo live here.</summary>
    public string StateDir { get; }

    public string Id => _state.Id;
    public string Bundle => _state.Bundle;
    public string Rootfs => _state.Rootfs;
    public int InitPid => _state.InitPid;
    public DateTimeOffset Created => _state.Created;
    public Spec Config => _state.Config;

    private NamespaceSet? _namespaces;

    /// <summary>The container's namespaces, derived once from the config state.json stores.</summary>
    internal NamespaceSet NamespaceSet => _namespaces ??= NamespaceSet.Of(Config.Linux);
    public Dictionary<string, string>? Annotations => _state.Config.Annotations;

    /// <summary>Owner user name of the state dir (runc's `list` OWNER column).</summary>
    public string Owner
    {
        get
        {
            var st = Libc.TryStat(StateDir);
            return st is null ? "" : Passwd.NameOf(st.Value.Uid);
        }
    }

    /// <summary>The current status, computed from the init process, the freezer and the exec fifo.</summary>
    public ContainerStatus Status
    {
        get
        {
            // an unfinished create: in progress while its creator lives, else crashed (nothing runs: stopped)
            if (_state.Creating)
                return ProcStat.IsAlive(_state.CreatorPid, _state.CreatorStart) ? ContainerStatus.Creating : ContainerStatus.Stopped;
            if (!ProcStat.IsAlive(_state.InitPid, _state.InitStart)) return ContainerStatus.Stopped;
            if (IsPaused()) return ContainerStatus.Paused;
            return File.Exists(Path.Combine(StateDir, FifoName)) ? ContainerStatus.Created : ContainerStatus.Running;
        }
    }

    private bool IsPaused()
    {
        try
        {
            return _state.CgroupPaths.Count > 0 && CgroupManagerFactory.Load(_state.CgroupPaths).IsFrozen();
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>The OCI state; pid is 0 once the container stopped (as runc).</summary>
    public State OciState()
    {
        var status = Status;
        return States.Of(_state.Config, Id, status.Text(), status == ContainerStatus.Stopped ? 0 : InitPid, Bundle);
    }

    /// <summary>Loads a container from root/id/state.json. Throws <see cref="ContainerNotExistException"/>.</summary>
    public static Container Load(string root, string id) => Load(root, id, SkiffShapes.ContainerState);

    /// <summary>
    /// Loads state.json with only the config fields the OCI state shows (ociVersion, annotations): the rest of the
    /// config is skipped unparsed. For `state` and `list`; such a container is for reading its state, not for
    /// other verbs.
    /// </summary>
    public static Container LoadSummary(string root, string id) => Load(root, id, SummaryShape);

    private static readonly ObjectShape SummaryShape = new(SkiffShapes.ContainerState.GoName, SkiffShapes.ContainerState.Create,
        () => [.. SkiffShapes.ContainerState.Fields.Select(f => f.Name != "config" ? f : new JsonField(f.Name,
            new ObjectShape(SpecShapes.Spec.GoName, SpecShapes.Spec.Create,
                () => [.. SpecShapes.Spec.Fields.Where(s => s.Name is "ociVersion" or "annotations")]),
            f.Nullable, f.Get, f.Set))]);

    private static Container Load(string root, string id, ObjectShape shape)
    {
        Ids.Validate(id);
        return new Container(root, ReadState(root, id, shape));
    }

    /// <summary>Reads root/id/state.json again (after taking the lock: another verb may have changed or removed it).</summary>
    private void Reload() => _state = ReadState(Path.GetDirectoryName(StateDir)!, Id, SkiffShapes.ContainerState);

    private static ContainerState ReadState(string root, string id, ObjectShape shape)
    {
        string file = Path.Combine(root, id, StateFile);
        // most state.json files fit the stack buffer (`list` reads one per container); a larger one is read again
        Span<byte> buf = stackalloc byte[8192];
        int n = Libc.TryReadInto(file, buf, out Errno err, out string syscall);
        byte[]? whole = n == buf.Length ? Libc.TryReadBytes(file, out err, out syscall) : null;
        if (n < 0 || (n == buf.Length && whole is null))
            throw err is Errno.ENOENT or Errno.ENOTDIR ? new ContainerNotExistException(id) : new SyscallException(syscall, err, file);
        ReadOnlySpan<byte> json = whole is not null ? whole : buf[..n];
        ContainerState? st;
        try
        {
            st = JsonShapes.Read<ContainerState>(json, shape);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new ContainerException($"reading {file}", ex);
        }
        return st ?? throw new ContainerException($"reading {file}: empty state");
    }

    /// <summary>All containers under <paramref name="root"/>, sorted by id (unreadable ones skipped with a warning).</summary>
    /// <param name="root">The state root.</param>
    /// <param name="summaryOnly">Load each as <see cref="LoadSummary"/> does (for `list`).</param>
    public static IReadOnlyList<Container> List(string root, bool summaryOnly = false)
    {
        var list = new List<Container>();
        if (!Directory.Exists(root)) return list;
        foreach (string dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            string id = Path.GetFileName(dir);
            try
            {
                list.Add(Load(root, id, summaryOnly ? SummaryShape : SkiffShapes.ContainerState));
            }
            catch (ContainerNotExistException)
            {
                // being created or deleted right now
            }
            catch (Exception ex)
            {
                Log.Warn($"loading container {id}: {ErrorText.Render(ex)}");
            }
        }
        return list;
    }

    private void SaveState()
    {
        // create writes it three times: one buffer, grown once to the document's size
        _stateJson ??= new System.Buffers.ArrayBufferWriter<byte>(4096);
        AtomicFile.Write(Path.Combine(StateDir, StateFile), JsonShapes.ToUtf8(_state, SkiffShapes.ContainerState, _stateJson),
            0x180 /* 0600 */);
    }

    private System.Buffers.ArrayBufferWriter<byte>? _stateJson;

    /// <summary>The container's cgroups from state.json; with --systemd-cgroup, Destroy and Set also talk to its unit.</summary>
    private ICgroupManager Cgroup() => CgroupManagerFactory.Load(_state.CgroupPaths, rootless: _state.Rootless,
        systemdUnit: _state.SystemdCgroup ? Skiff.Cgroups.Systemd.UnitNames.UnitFor(Config.Linux?.CgroupsPath, Id) : null);

    /// <summary>`kill`: sends <paramref name="signal"/> to init, or to every process of the cgroup with all.</summary>
    public void Signal(int signal, bool all)
    {
        var status = Status;
        // runc 1.2: without a pid namespace of its own, killing init does not take its children along (only a
        // namespace's init does that), so SIGKILL goes to the whole cgroup, even once init is gone.
        if (signal == 9 && !NamespaceSet.IsNew("pid"))
        {
            var cg = Cgroup();
            if (!cg.Exists() || (status == ContainerStatus.Stopped && cg.GetAllPids().Count == 0))
            {
                if (all) return;
                throw new ContainerException(status == ContainerStatus.Stopped ? "container not running"
                    : "unable to kill all processes: cgroup does not exist");
            }
            SignalAll(signal);
            return;
        }
        if (all)
        {
            // runc: with --all a container that is not running is no error (the processes are gone already)
            if (status == ContainerStatus.Stopped && (!Cgroup().Exists() || Cgroup().GetAllPids().Count == 0)) return;
            SignalAll(signal);
            return;
        }
        // a create in progress may not know init's pid yet: never kill(0), which is our own process group
        if (status == ContainerStatus.Stopped || InitPid <= 0) throw new ContainerException("container not running");
        Errno e = Check.Try(Libc.kill(InitPid, signal));
        if (e != Errno.OK && e != Errno.ESRCH) throw new SyscallException("kill", e);
        // a v1 frozen task only dies once thawed: thaw for SIGKILL (as runc), the container is gone anyway
        if (status == ContainerStatus.Paused && signal == 9)
        {
            try { Cgroup().Thaw(); } catch (Exception ex) { Log.Warn($"thawing after kill: {ErrorText.Render(ex)}"); }
        }
    }

    /// <summary>Signals every process of the cgroup; SIGKILL on a frozen cgroup thaws it so they can die.</summary>
    private void SignalAll(int signal)
    {
        var cg = Cgroup();
        bool frozen = false;
        try { frozen = cg.IsFrozen(); } catch (Exception) { }
        if (signal != 9 && !frozen)
        {
            foreach (int pid in cg.GetAllPids()) Libc.kill(pid, signal);
            return;
        }
        // v2: cgroup.kill kills the whole tree at once, frozen or not
        if (signal == 9 && cg.TryKillAll()) return;
        // freeze so no new process escapes while we signal, then thaw to let SIGKILL land
        try { cg.Freeze(); } catch (Exception ex) { Log.Warn($"freezing before kill: {ErrorText.Render(ex)}"); }
        foreach (int pid in cg.GetAllPids()) Libc.kill(pid, signal);
        try { cg.Thaw(); } catch (Exception ex) { Log.Warn($"thawing after kill: {ErrorText.Render(ex)}"); }
    }
}
