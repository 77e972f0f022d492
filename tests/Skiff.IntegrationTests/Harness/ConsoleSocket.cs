using System.Net.Sockets;
using System.Text;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A --console-socket listener: accepts one connection and receives the pty master fd the runtime sends
/// with SCM_RIGHTS, then reads the container's terminal output from it.
/// </summary>
public sealed unsafe class ConsoleSocket : IDisposable
{
    private readonly Socket _listener;
    private readonly Thread _thread;
    private int _masterFd = -1;
    private Exception? _error;

    public ConsoleSocket(string path)
    {
        Path = path;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(1);
        _thread = new Thread(Receive) { IsBackground = true };
        _thread.Start();
    }

    public string Path { get; }

    /// <summary>The payload that came with the fd (runc sends the pty name).</summary>
    public string? Name { get; private set; }

    /// <summary>Waits for the master fd.</summary>
    public int WaitForMaster(TimeSpan timeout)
    {
        if (!_thread.Join(timeout))
        {
            throw new TimeoutException("no connection on the console socket");
        }
        if (_error != null)
        {
            throw new InvalidOperationException("receiving the console fd failed", _error);
        }
        return _masterFd;
    }

    /// <summary>Reads from the master until EOF/EIO (all slave ends closed), <paramref name="until"/> is seen, or timeout.</summary>
    public string ReadOutput(TimeSpan timeout, string? until = null)
    {
        var sb = new StringBuilder();
        var deadline = DateTime.UtcNow + timeout;
        var buf = stackalloc byte[4096];
        while (DateTime.UtcNow < deadline)
        {
            var pfd = new Native.PollFd { Fd = _masterFd, Events = Native.POLLIN };
            var ms = (int)Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds);
            var rc = Native.Poll(&pfd, 1, Math.Min(ms, 200));
            if (rc == 0)
            {
                continue;
            }
            var n = Native.Read(_masterFd, buf, 4096);
            if (n <= 0)
            {
                break; // EIO: the slave side is closed
            }
            sb.Append(Encoding.UTF8.GetString(buf, (int)n));
            if (until != null && sb.ToString().Contains(until, StringComparison.Ordinal))
            {
                break;
            }
        }
        return sb.ToString();
    }

    public void Write(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* p = bytes)
        {
            Native.Write(_masterFd, p, (nuint)bytes.Length);
        }
    }

    private void Receive()
    {
        try
        {
            using var conn = _listener.Accept();
            var fd = (int)conn.Handle;
            var data = stackalloc byte[4096];
            var control = stackalloc byte[256];
            var iov = new Native.IoVec { Base = data, Len = 4096 };
            var msg = new Native.MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = 256 };
            var n = Native.RecvMsg(fd, &msg, Native.MSG_CMSG_CLOEXEC);
            if (n < 0)
            {
                throw new IOException($"recvmsg failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
            }
            Name = Encoding.UTF8.GetString(data, (int)n);
            if (msg.ControlLen < (nuint)sizeof(Native.CmsgHdr))
            {
                throw new IOException("no control message received");
            }
            var cmsg = (Native.CmsgHdr*)control;
            if (cmsg->Level != Native.SOL_SOCKET || cmsg->Type != Native.SCM_RIGHTS)
            {
                throw new IOException($"unexpected control message level {cmsg->Level} type {cmsg->Type}");
            }
            _masterFd = *(int*)(control + sizeof(Native.CmsgHdr));
        }
        catch (Exception e)
        {
            _error = e;
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        if (_masterFd >= 0)
        {
            Native.Close(_masterFd);
            _masterFd = -1;
        }
        try { File.Delete(Path); } catch (IOException) { }
    }
}
