
namespace Skiff.LibContainer;

/// <summary>The command-line choices of `create` and `run`.</summary>
public sealed class CreateOptions
{
    /// <summary>State root (--root), e.g. /run/skiff.</summary>
    public string Root { get; set; } = "/run/skiff";
    public string Id { get; set; } = "";
    /// <summary>`skiff init` spawned already (<see cref="Container.SpawnInit"/>); null: spawned when needed. The
    /// caller disposes it: a no-op once create has taken it over, the end of it when create failed before.</summary>
    public Processes.InitChild? Init { get; set; }
    /// <summary>Bundle directory (absolute).</summary>
    public string Bundle { get; set; } = "";
    public string? PidFile { get; set; }
    public string? ConsoleSocket { get; set; }
    /// <summary>--pidfd-socket: an AF_UNIX socket that gets a pidfd of the container's init.</summary>
    public string? PidfdSocket { get; set; }
    public bool NoPivot { get; set; }
    public bool NoNewKeyring { get; set; }
    public int PreserveFds { get; set; }
    public bool SystemdCgroup { get; set; }
    /// <summary>run only: return at once after start (-d).</summary>
    public bool Detach { get; set; }
    /// <summary>The loaded and validated configuration, when the caller already has it (else the bundle's
    /// config.json is loaded and validated, for the effective uid, by <see cref="Configs.ContainerConfig.Load"/>).</summary>
    public Configs.ContainerConfig? Config { get; set; }
    /// <summary>runc's RootlessCgroups (--rootless, or auto-detected): cgroups we may not create are skipped.</summary>
    public bool RootlessCgroups { get; set; }
    /// <summary>run only: do not delete the container after it exits.</summary>
    public bool Keep { get; set; }
    /// <summary>run only (--no-subreaper): do not become the subreaper of the container's reparented processes.</summary>
    public bool NoSubreaper { get; set; }
}
