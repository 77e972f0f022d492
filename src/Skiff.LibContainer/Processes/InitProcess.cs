using Skiff.Cgroups;
using Skiff.Cgroups.Rdt;
using Skiff.LibContainer.Hooks;
using Skiff.LibContainer.Init;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// The parent side of starting a container's init (runc's initProcess.start): new namespaces as the spec asks,
/// cgroup limits and prestart/createRuntime hooks on procHooks, state.json on procReady.
/// </summary>
internal sealed class InitProcess : ParentProcess
{
    private readonly Func<int, ulong, ContainerState> _saveState;

    /// <summary>The container's Intel RDT group, when linux.intelRdt is set: init joins it and the schemata are
    /// written on procHooks, next to the cgroup limits (runc's initProcess.start).</summary>
    public IntelRdtManager? IntelRdt { get; init; }

    /// <param name="saveState">Called on procReady with the init pid and start time; writes state.json.</param>
    public InitProcess(InitConfig config, ICgroupManager cgroup, SafeFd fifo, SafeFd? console,
        Func<int, ulong, ContainerState> saveState)
        : base(config, cgroup, fifo, console) => _saveState = saveState;

    protected override BootstrapData Bootstrap()
    {
        Spec spec = _config.Spec;
        uint flags = 0;
        foreach (var ns in spec.Linux?.Namespaces ?? [])
        {
            var info = Namespaces.Info(ns.Type) ?? throw new ContainerException($"unknown namespace type {ns.Type}");
            if (string.IsNullOrEmpty(ns.Path)) flags |= (uint)info.Flag;
        }
        var paths = new List<(string, string)>();
        foreach (string type in Namespaces.JoinOrder)
        {
            var ns = spec.Linux?.Namespaces?.FirstOrDefault(n => n.Type == type && !string.IsNullOrEmpty(n.Path));
            if (ns is not null) paths.Add((Namespaces.Info(type)!.Value.ProcName, ns.Path!));
        }
        bool newUser = (flags & Namespaces.CLONE_NEWUSER) != 0;
        return new BootstrapData
        {
            CloneFlags = flags,
            NsPaths = paths,
            UidMap = newUser && spec.Linux?.UidMappings is { Count: > 0 } um ? BootstrapData.FormatIdMap(um) : null,
            GidMap = newUser && spec.Linux?.GidMappings is { Count: > 0 } gm ? BootstrapData.FormatIdMap(gm) : null,
            OomScoreAdj = spec.Process?.OomScoreAdj?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            TimeOffsets = (flags & Namespaces.CLONE_NEWTIME) != 0 && spec.Linux?.TimeOffsets is { } offs
                ? BootstrapData.FormatTimeOffsets(offs) : null,
        };
    }

    protected override void OnHooks()
    {
        try
        {
            _cgroup.Set(_config.Spec.Linux?.Resources);
        }
        catch (Exception ex)
        {
            throw new ContainerException("unable to apply cgroup configuration", ex);
        }
        if (IntelRdt is not null)
        {
            try
            {
                IntelRdt.Apply(Pid);
                IntelRdt.Set();
            }
            catch (Exception ex)
            {
                throw new ContainerException("unable to apply Intel RDT configuration", ex);
            }
        }
        var hooks = _config.Spec.Hooks;
        if (hooks?.Prestart is { Count: > 0 } || hooks?.CreateRuntime is { Count: > 0 })
        {
            var state = OciState("creating");
            HookRunner.Run("prestart", hooks.Prestart, state);
            HookRunner.Run("createRuntime", hooks.CreateRuntime, state);
        }
    }

    protected override void OnReady()
    {
        base.OnReady();
        ulong start = ProcStat.Read(Pid)?.Start ?? throw new ContainerException("container init exited");
        _saveState(Pid, start);
    }
}
