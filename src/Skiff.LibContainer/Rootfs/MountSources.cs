using Skiff.RuntimeSpec.Json;
using Skiff.LibContainer.Wire;
using System.Text.Json;
using Skiff.LibContainer.Configs;
using Skiff.Linux;
using static Skiff.Linux.Libc;

namespace Skiff.LibContainer.Rootfs;

/// <summary>
/// The init side of procMountPlease (runc 1.2's prepareRootfs): ask the parent for a mount's source and take the
/// fd that comes back with procMountFd. The parent side is <see cref="MountSourceMaker"/>.
/// </summary>
internal static class MountSources
{
    /// <summary>Sends procMountPlease for <paramref name="m"/> and waits for procMountFd and its fd.</summary>
    public static MountSource Request(SyncSocket sync, MountEntry m)
    {
        var req = new MountRequest
        {
            Source = m.Source,
            Recursive = (m.Flags & MS_REC) != 0,
            IdMapping = m.IdMapping,
        };
        string arg = System.Text.Encoding.UTF8.GetString(JsonShapes.ToUtf8(req, SkiffShapes.MountRequest));
        try
        {
            sync.Send(SyncType.procMountPlease, arg);
        }
        catch (Exception ex) when (ex is ContainerException or SyscallException)
        {
            throw new ContainerException($"failed to request mountfd for \"{m.Source}\"", ex);
        }
        SyncMessage? reply = sync.Receive(out SafeFd? fd);
        try
        {
            if (reply is null)
                throw new ContainerException($"mountfd request for \"{m.Source}\" failed: sync socket closed");
            if (reply.Value.Type == SyncType.procError) throw new InitException(reply.Value.Message ?? "unknown error");
            if (reply.Value.Type != SyncType.procMountFd)
                throw new ContainerException($"mountfd request for \"{m.Source}\" failed: unexpected sync message {reply.Value.Type}");
            if (fd is null)
                throw new ContainerException($"mountfd request for \"{m.Source}\": response missing attached fd");
            var src = new MountSource(fd, reply.Value.Message ?? "");
            fd = null;
            return src;
        }
        finally
        {
            fd?.Dispose();
        }
    }
}
