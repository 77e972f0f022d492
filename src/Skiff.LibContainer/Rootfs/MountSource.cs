using Skiff.Linux;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// A mount source made by the parent and received with procMountFd (runc's mountSource): an open_tree(2) clone to
/// attach with move_mount(2) (idmapped mounts), or a plain O_PATH fd mounted through /proc/self/fd (a bind source
/// the container's user cannot reach).
/// </summary>
internal sealed class MountSource : IDisposable
{
    /// <summary>The procMountFd argument for an open_tree(2) fd.</summary>
    public const string OpenTree = "open_tree";
    /// <summary>The procMountFd argument for a plain O_PATH fd.</summary>
    public const string PlainOpen = "plain-open";

    public MountSource(SafeFd fd, string type)
    {
        if (type is not (OpenTree or PlainOpen)) throw new ContainerException($"unknown mount source type \"{type}\"");
        Fd = fd;
        Type = type;
    }

    public SafeFd Fd { get; }
    public string Type { get; }
    public bool IsOpenTree => Type == OpenTree;

    /// <summary>The fd as a path mount(2) can take.</summary>
    public string ProcPath => $"/proc/self/fd/{Fd.Fd}";

    public void Dispose() => Fd.Dispose();
}
