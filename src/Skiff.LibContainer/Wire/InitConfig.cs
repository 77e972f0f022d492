using Skiff.LibContainer.Configs;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Wire;

/// <summary>
/// What the parent sends `skiff init` over the init socket after the bootstrap (runc's initConfig): the whole spec
/// plus the runtime's choices from the command line.
/// </summary>
public sealed class InitConfig
{
    public string ContainerId { get; set; } = "";
    public string Bundle { get; set; } = "";
    /// <summary>Absolute path of the rootfs on the host.</summary>
    public string Rootfs { get; set; } = "";
    public Spec Spec { get; set; } = new();
    /// <summary>The process to run: the spec's for init, the exec's for a setns process.</summary>
    public Process Process { get; set; } = new();
    /// <summary>True for a setns (exec) process: no rootfs or namespace setup, only process setup and exec.</summary>
    public bool IsSetns { get; set; }
    public bool NoPivot { get; set; }
    public bool NoNewKeyring { get; set; }
    /// <summary>Number of fds at 3.. to keep open across exec (--preserve-fds, plus LISTEN_FDS).</summary>
    public int PreserveFds { get; set; }
    /// <summary>Whether a console socket fd was passed (process.terminal): init makes the pty and sends the master.</summary>
    public bool CreateConsole { get; set; }
    /// <summary>The container's namespaces, new and joined, as validation derived them (none for a setns process).</summary>
    public NamespaceSet Namespaces { get; set; } = NamespaceSet.None;
    public bool RootlessEuid { get; set; }
    public bool RootlessCgroups { get; set; }
    /// <summary>The container's cgroup dirs for the cgroup mount: controller (as the cgroup manager names it) to absolute host path.</summary>
    public Dictionary<string, string>? CgroupPaths { get; set; }
}
