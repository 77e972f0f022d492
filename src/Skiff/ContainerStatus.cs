namespace Skiff;

/// <summary>A container's status, as `skiff state` and `skiff list` report it (the OCI runtime spec's states).</summary>
public enum ContainerStatus
{
    /// <summary>The runtime is still setting the container up.</summary>
    Creating,

    /// <summary>Set up and waiting for <see cref="Container.StartAsync"/> to run its process.</summary>
    Created,

    /// <summary>Its process runs.</summary>
    Running,

    /// <summary>Frozen by <see cref="Container.PauseAsync"/>.</summary>
    Paused,

    /// <summary>Its process has exited; the container remains until deleted.</summary>
    Stopped,
}
