namespace Skiff;

/// <summary>The container's network.</summary>
public enum NetworkMode
{
    /// <summary>A new, empty network namespace: only a loopback device, no route out (the default).</summary>
    None,

    /// <summary>The host's network namespace: the container sees and uses the host's interfaces.</summary>
    Host,
}
