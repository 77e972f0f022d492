using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Skiff.Interop;

/// <summary>
/// The --console-socket end: a listening AF_UNIX socket in the bundle; the runtime connects during create and
/// sends the pty master as SCM_RIGHTS, which <see cref="Receive"/> takes.
/// </summary>
internal sealed class ConsoleReceiver : IDisposable
{
    private const int SOL_SOCKET = 1, SCM_RIGHTS = 1, MSG_CMSG_CLOEXEC = 0x40000000;
    private readonly Socket _listener;

    public ConsoleReceiver(string path)
    {
        Path = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
    }

    public string Path { get; }

    /// <summary>Accepts the runtime's connection and returns the pty master it sent.</summary>
    public async Task<SafeFdHandle> ReceiveAsync(CancellationToken ct)
    {
        using Socket conn = await _listener.AcceptAsync(ct).ConfigureAwait(false);
        conn.Blocking = true;
        return Receive(conn);
    }

    private static unsafe SafeFdHandle Receive(Socket conn)
    {
        byte* data = stackalloc byte[4096];
        // cmsghdr (len 8, level 4, type 4) + one int, aligned to 8
        byte* control = stackalloc byte[64];
        new Span<byte>(control, 64).Clear();
        var iov = new Native.IoVec { Base = data, Len = 4096 };
        var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 64 };
        int rc;
        while ((rc = Native.recvmsg((int)conn.Handle, &msg, MSG_CMSG_CLOEXEC)) < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Native.EINTR) throw Native.Error("recvmsg console socket", errno);
        }
        if (msg.ControlLen >= 20)
        {
            ulong len = *(ulong*)control;
            int level = *(int*)(control + 8), type = *(int*)(control + 12);
            if (level == SOL_SOCKET && type == SCM_RIGHTS && len >= 20) return new SafeFdHandle(*(int*)(control + 16));
        }
        throw new SkiffException("console socket: no terminal descriptor received");
    }

    public void Dispose()
    {
        _listener.Dispose();
        try { File.Delete(Path); } catch (IOException) { }
    }
}
