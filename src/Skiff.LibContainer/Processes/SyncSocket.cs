using Skiff.Linux;
using Skiff.Linux.Logging;

namespace Skiff.LibContainer.Processes;

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

    public void Send(SyncType type, string? message = null)
    {
        if (Log.IsDebug) Log.Debug($"{_side}: sync send {type}");
        try
        {
            Libc.WriteAll(Fd, new SyncMessage(type, message).Encode(), "write sync");
        }
        catch (SyscallException ex)
        {
            throw new ContainerException($"writing sync message {type}", ex);
        }
    }

    /// <summary>The next message, or null when the peer closed its end.</summary>
    public SyncMessage? Receive()
    {
        byte[] buf = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxPacket);
        try
        {
            int n;
            try
            {
                n = Libc.Read(Fd, buf.AsSpan(0, MaxPacket), "read sync");
            }
            catch (SyscallException ex) when (ex.Errno == Errno.ECONNRESET)
            {
                n = 0;
            }
            if (n == 0) return null;
            var msg = SyncMessage.Decode(buf.AsSpan(0, n));
            if (Log.IsDebug) Log.Debug($"{_side}: sync recv {msg.Type}");
            return msg;
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
            throw new ContainerException($"unexpected sync message {m.Value.Type} while waiting for {expected}");
    }

    public void Dispose() => Fd.Dispose();
}
