using Skiff.Cgroups;
using Skiff.LibContainer.Init;
using Skiff.Linux;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// The parent side of `exec` (runc's setnsProcess.start): nsexec joins every namespace of the container's init
/// by path (user first), the process joins the container's cgroup, rlimits are set on procReady.
/// </summary>
internal sealed class SetnsProcess : ParentProcess
{
    private readonly IReadOnlyDictionary<string, string> _nsPaths;

    public SetnsProcess(InitConfig config, ICgroupManager cgroup, IReadOnlyDictionary<string, string> nsPaths, SafeFd? console)
        : base(config, cgroup, fifo: null, console) => _nsPaths = nsPaths;

    /// <summary>The container's Intel RDT group (state.json's intel_rdt_path): the process joins it with its cgroup.</summary>
    public string? IntelRdtPath { get; init; }

    protected override void ApplyCgroup(int pid)
    {
        base.ApplyCgroup(pid);
        if (!string.IsNullOrEmpty(IntelRdtPath)) Cgroups.Rdt.IntelRdtManager.AddTask(IntelRdtPath, _config.ContainerId, pid);
    }

    protected override BootstrapData Bootstrap()
    {
        var paths = new List<(string, string)>();
        foreach (string type in Namespaces.JoinOrder)
        {
            if (_nsPaths.TryGetValue(type, out string? path))
                paths.Add((Namespaces.Info(type)!.Value.ProcName, path));
        }
        return new BootstrapData { NsPaths = paths };
    }
}
