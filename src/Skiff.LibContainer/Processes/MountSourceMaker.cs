using Skiff.RuntimeSpec.Json;
using Skiff.LibContainer.Wire;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Skiff.LibContainer.Configs;
using Skiff.LibContainer.Rootfs;
using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// The parent side of procMountPlease (runc 1.2's goCreateMountSources and mountFd): on a thread of its own that
/// has left the process's shared fs state (unshare(CLONE_FS)) and joined the container's mount namespace, open the
/// requested source: an open_tree(OPEN_TREE_CLONE) copy with MOUNT_ATTR_IDMAP set for an idmapped mount, or a plain
/// O_PATH fd. The thread ends with the request, so the namespace it joined dies with it.
/// </summary>
internal static class MountSourceMaker
{
    /// <summary>Makes the source for <paramref name="requestJson"/> (the procMountPlease argument) of the container
    /// whose init is <paramref name="initPid"/>, with <paramref name="spec"/> and <paramref name="namespaces"/>.
    /// Returns the procMountFd argument and the fd to send.</summary>
    public static (string Type, SafeFd Fd) Create(int initPid, string? requestJson, Spec spec, NamespaceSet namespaces)
    {
        if (string.IsNullOrEmpty(requestJson)) throw new ContainerException("sync \"procMountPlease\" is missing an argument");
        MountRequest req;
        try
        {
            req = JsonShapes.Read<MountRequest>(System.Text.Encoding.UTF8.GetBytes(requestJson), SkiffShapes.MountRequest)
                ?? throw new JsonException("null");
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw new ContainerException("sync \"procMountPlease\" passed invalid mount arg", ex);
        }

        (string, SafeFd)? result = null;
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try { result = OnOwnThread(initPid, req, spec, namespaces); }
            catch (Exception ex) { error = ExceptionDispatchInfo.Capture(ex); }
        }) { IsBackground = true, Name = "mount-source" };
        thread.Start();
        thread.Join();
        error?.Throw();
        return result!.Value;
    }

    private static (string, SafeFd) OnOwnThread(int initPid, MountRequest req, Spec spec, NamespaceSet namespaces)
    {
        // Everything naming host paths of ours is opened before we join the container's mount namespace.
        using SafeFd? userns = req.IdMapping is null ? null : OpenUserns(initPid, req.IdMapping, spec, namespaces);
        string nsPath = $"/proc/{initPid}/ns/mnt";
        using SafeFd mntns = Libc.Open(nsPath, O_RDONLY);
        try
        {
            Libc.Unshare(CLONE_FS);
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("mount source thread", ex);
        }
        try
        {
            Libc.Setns(mntns, CLONE_NEWNS, nsPath);
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("mount source thread: join container mntns", ex);
        }
        Log.Debug("mount source thread: running in the container's mount namespace");

        if (userns is null) return (MountSource.PlainOpen, Libc.Open(req.Source, O_PATH));

        SafeFd tree = Libc.OpenTreeClone(req.Source, req.Recursive);
        try
        {
            int flags = AT_EMPTY_PATH | (req.IdMapping!.Recursive ? AT_RECURSIVE : 0);
            if (mount_setattr(tree.Fd, "", flags, MOUNT_ATTR_IDMAP, 0, 0, (ulong)userns.Fd) < 0)
            {
                Errno e = Check.LastErrno;
                string extra = e == Errno.EINVAL ? " (maybe the filesystem used doesn't support idmap mounts on this kernel?)" : "";
                throw new ContainerException($"failed to set MOUNT_ATTR_IDMAP on {req.Source}: {e.Text()}{extra}");
            }
            return (MountSource.OpenTree, tree);
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>The user namespace whose mapping the mount gets: a joined one by path, the container's own when the
    /// maps are the same, else a new one made for it.</summary>
    private static SafeFd OpenUserns(int initPid, MountIdMapping idmap, Spec spec, NamespaceSet namespaces)
    {
        if (!string.IsNullOrEmpty(idmap.UserNsPath))
        {
            try { return Libc.Open(idmap.UserNsPath, O_RDONLY); }
            catch (SyscallException ex)
            {
                throw new ContainerException($"failed to open existing userns for id-mapping", ex);
            }
        }
        var linux = spec.Linux;
        if (namespaces.IsNew("user") && IdMappings.Same(idmap.UidMappings, linux!.UidMappings) && IdMappings.Same(idmap.GidMappings, linux.GidMappings))
            return Libc.Open($"/proc/{initPid}/ns/user", O_RDONLY);
        try
        {
            return UsernsHolder.Create(idmap.UidMappings ?? [], idmap.GidMappings ?? []);
        }
        catch (Exception ex) when (ex is ContainerException or SyscallException)
        {
            throw new ContainerException("failed to create userns for id-mapping", ex);
        }
    }
}
