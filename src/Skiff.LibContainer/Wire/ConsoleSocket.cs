using System.Text;
using Skiff.Linux;

namespace Skiff.LibContainer.Wire;

/// <summary>
/// The --console-socket protocol (runc's utils.SendFile/RecvFile): one message whose data is the pty name and whose
/// SCM_RIGHTS carries exactly one fd, the pty master.
/// </summary>
internal static class ConsoleSocket
{
    /// <summary>runc's utils.MaxNameLen: names must be shorter.</summary>
    public const int MaxNameLen = 4096;

    /// <summary>Parent side: connects to --console-socket (SOCK_STREAM). Errors read as Go's net.Dial's.</summary>
    public static SafeFd Connect(string path)
    {
        try
        {
            return Libc.ConnectUnix(path, Libc.SOCK_STREAM);
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("dial unix " + path, ex);
        }
    }

    /// <summary>Sends <paramref name="fd"/> with <paramref name="name"/> as the message.</summary>
    public static void SendFd(SafeFd sock, SafeFd fd, string name)
    {
        byte[] data = Encoding.UTF8.GetBytes(name);
        if (data.Length >= MaxNameLen) throw new ContainerException("sendfd: filename too long: " + name);
        if (data.Length == 0) data = [0]; // a stream socket needs a byte to carry the fd
        Span<int> fds = [fd.Fd];
        Libc.SendWithFds(sock, data, fds);
        GC.KeepAlive(fd);
    }

    /// <summary>Receives one fd (close-on-exec) and its name; anything but exactly one fd is an error.</summary>
    public static SafeFd ReceiveFd(SafeFd sock, out string name)
    {
        byte[] buf = new byte[MaxNameLen];
        Span<int> fds = stackalloc int[Libc.MaxFdsPerMessage];
        int n = Libc.RecvWithFds(sock, buf, fds, out int count, out int flags);
        bool ok = false;
        try
        {
            if (n >= MaxNameLen || count == 0)
                throw new ContainerException($"recvfile: incorrect number of bytes read (n={n} fds={count})");
            if (count != 1 || (flags & Libc.MSG_CTRUNC) != 0)
                throw new ContainerException($"recvfile: number of fds is not 1: {count}");
            ok = true;
        }
        finally
        {
            for (int i = ok ? 1 : 0; i < count; i++) Libc.close(fds[i]);
        }
        name = Encoding.UTF8.GetString(buf, 0, n).TrimEnd('\0');
        return new SafeFd(fds[0]);
    }
}
