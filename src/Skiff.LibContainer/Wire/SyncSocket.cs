using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Wire;

/// <summary>One end of the sync socketpair (SOCK_SEQPACKET: one message per packet, EOF when the peer closes).</summary>
public sealed class SyncSocket : IDisposable
{
    private const int MaxPacket = 1 << 16;
    private readonly string _side;

    public SyncSocket(SafeFd fd, string side)
    {
        Fd = fd;
        _side = side;
    }

    public SafeFd Fd { get; }

    /// <summary>True once this end is closed (init closes it just before exec: the parent no longer listens).</summary>
    public bool IsClosed => Fd.IsClosed;

    public void Send(SyncType type, string? message = null) => Send(type, message, null);

    /// <summary>Sends one message, with <paramref name="file"/> attached (SCM_RIGHTS) when given (procMountFd).</summary>
    public void Send(SyncType type, string? message, SafeFd? file)
    {
        if (Log.IsDebug) Log.Debug($"{_side}: sync send {type}");
        try
        {
            byte[] packet = new SyncMessage(type, message).Encode();
            if (file is null) Libc.WriteAll(Fd, packet, "write sync");
            else if (Libc.SendWithFds(Fd, packet, [file.Fd]) != packet.Length)
                throw new ContainerException($"short write of sync message {type}");
        }
        catch (SyscallException ex)
        {
            throw new ContainerException($"writing sync message {type}", ex);
        }
    }

    /// <summary>The next message, or null when the peer closed its end (an fd sent along is closed).</summary>
    public SyncMessage? Receive()
    {
        var msg = Receive(out SafeFd? file);
        file?.Dispose();
        return msg;
    }

    /// <summary>The next message and the fd sent with it (SCM_RIGHTS, close-on-exec; null when none), or null
    /// when the peer closed its end. The caller owns <paramref name="file"/>.</summary>
    public SyncMessage? Receive(out SafeFd? file)
    {
        file = null;
        byte[] buf = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxPacket);
        Span<int> fds = stackalloc int[Libc.MaxFdsPerMessage];
        int fdCount = 0;
        try
        {
            int n;
            try
            {
                n = Libc.RecvWithFds(Fd, buf.AsSpan(0, MaxPacket), fds, out fdCount, out _);
            }
            catch (SyscallException ex) when (ex.Errno == Errno.ECONNRESET)
            {
                n = 0;
            }
            // Only one fd is ever sent; more are closed.
            for (int i = 0; i < fdCount; i++)
            {
                if (i == 0) file = new SafeFd(fds[0]);
                else Libc.close(fds[i]);
            }
            if (n == 0)
            {
                file?.Dispose();
                file = null;
                return null;
            }
            var msg = SyncMessage.Decode(buf.AsSpan(0, n));
            if (Log.IsDebug) Log.Debug($"{_side}: sync recv {msg.Type.Name()}{(file is null ? "" : " with fd " + file.Fd)}");
            return msg;
        }
        catch
        {
            file?.Dispose();
            file = null;
            throw;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buf);
        }
    }

    /// <summary>Waits for exactly <paramref name="expected"/>; procError becomes an <see cref="InitException"/>.</summary>
    public void Expect(SyncType expected)
    {
        SyncMessage? m = Receive();
        if (m is null) throw new ContainerException($"sync socket closed while waiting for {expected}");
        if (m.Value.Type == SyncType.procError) throw new InitException(m.Value.Message ?? "unknown error");
        if (m.Value.Type != expected)
            throw new ContainerException($"unexpected sync message {m.Value.Type.Name()} while waiting for {expected.Name()}");
    }

    public void Dispose() => Fd.Dispose();
}
