using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Linux;

public static unsafe partial class Libc
{
    public const int AF_UNIX = 1, AF_INET = 2, AF_NETLINK = 16;
    public const int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5, SOCK_CLOEXEC = O_CLOEXEC;
    public const int SOL_SOCKET = 1, SCM_RIGHTS = 1;
    public const int MSG_TRUNC = 0x20, MSG_CTRUNC = 0x8, MSG_NOSIGNAL = 0x4000, MSG_CMSG_CLOEXEC = 0x40000000;
    public const int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;

    /// <summary>Most fds one <see cref="SendWithFds"/>/<see cref="RecvWithFds"/> carries (the cmsg buffer is on the stack).</summary>
    public const int MaxFdsPerMessage = 16;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct CmsgHdr
    {
        public nuint Len;
        public int Level;
        public int Type;
    }

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int connect(int fd, void* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int bind(int fd, void* addr, uint addrlen);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int listen(int fd, int backlog);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int accept4(int fd, void* addr, uint* addrlen, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint sendmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recvmsg(int fd, MsgHdr* msg, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    private static nuint CmsgAlign(nuint len) => (len + (nuint)sizeof(nuint) - 1) & ~((nuint)sizeof(nuint) - 1);

    /// <summary>CMSG_SPACE: header plus aligned payload.</summary>
    public static int CmsgSpace(int dataLen) => (int)(CmsgAlign((nuint)sizeof(CmsgHdr)) + CmsgAlign((nuint)dataLen));

    /// <summary>CMSG_LEN: header plus unpadded payload.</summary>
    public static int CmsgLen(int dataLen) => (int)CmsgAlign((nuint)sizeof(CmsgHdr)) + dataLen;

    /// <summary>A close-on-exec AF_UNIX socket pair (SOCK_STREAM or SOCK_SEQPACKET).</summary>
    public static (SafeFd A, SafeFd B) SocketPair(int type)
    {
        int* sv = stackalloc int[2];
        Check.Rc(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv), "socketpair");
        return (new SafeFd(sv[0]), new SafeFd(sv[1]));
    }

    /// <summary>Fills a sockaddr_un; returns its length. Throws ENAMETOOLONG for paths over 107 bytes.</summary>
    private static uint FillSockaddrUn(byte* sa, string path)
    {
        // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
        int max = 108;
        new Span<byte>(sa, 110).Clear();
        *(ushort*)sa = AF_UNIX;
        int n = Encoding.UTF8.GetByteCount(path);
        if (n >= max) Check.Throw("connect", Errno.ENAMETOOLONG, path);
        Encoding.UTF8.GetBytes(path, new Span<byte>(sa + 2, max));
        return (uint)(2 + n + 1);
    }

    /// <summary>connect(2) a new close-on-exec unix socket of <paramref name="type"/> to <paramref name="path"/>.</summary>
    public static SafeFd ConnectUnix(string path, int type = SOCK_STREAM)
    {
        SafeFd fd = Check.Fd(socket(AF_UNIX, type | SOCK_CLOEXEC, 0), "socket");
        byte* sa = stackalloc byte[110];
        uint len = FillSockaddrUn(sa, path);
        int rc;
        while ((rc = connect(fd.Fd, sa, len)) < 0 && Check.LastErrno == Errno.EINTR) { }
        if (rc < 0)
        {
            Errno e = Check.LastErrno;
            fd.Dispose();
            Check.Throw("connect", e);
        }
        return fd;
    }

    /// <summary>A listening unix socket bound at <paramref name="path"/> (for tests and console-socket receivers).</summary>
    public static SafeFd ListenUnix(string path, int type = SOCK_STREAM, int backlog = 16)
    {
        SafeFd fd = Check.Fd(socket(AF_UNIX, type | SOCK_CLOEXEC, 0), "socket");
        byte* sa = stackalloc byte[110];
        uint len = FillSockaddrUn(sa, path);
        try
        {
            Check.Rc(bind(fd.Fd, sa, len), "bind", path);
            Check.Rc(listen(fd.Fd, backlog), "listen", path);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        return fd;
    }

    public static SafeFd Accept(SafeFd listener)
    {
        int fd;
        while ((fd = accept4(listener.Fd, null, null, SOCK_CLOEXEC)) < 0 && Check.LastErrno == Errno.EINTR) { }
        return Check.Fd(fd, "accept4");
    }

    public static void Shutdown(SafeFd fd, int how) => Check.Rc(shutdown(fd.Fd, how), "shutdown");

    /// <summary>
    /// sendmsg(2) of <paramref name="data"/> with <paramref name="fds"/> as one SCM_RIGHTS message (cmsg on the
    /// stack). Returns the bytes sent. At least one byte of data should go with fds on a stream socket.
    /// </summary>
    public static int SendWithFds(SafeFd sock, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds)
    {
        if (fds.Length > MaxFdsPerMessage) throw new ArgumentOutOfRangeException(nameof(fds));
        int space = fds.Length == 0 ? 0 : CmsgSpace(fds.Length * sizeof(int));
        byte* control = stackalloc byte[CmsgSpace(MaxFdsPerMessage * sizeof(int))];
        new Span<byte>(control, space).Clear();
        if (fds.Length > 0)
        {
            var cm = (CmsgHdr*)control;
            cm->Len = (nuint)CmsgLen(fds.Length * sizeof(int));
            cm->Level = SOL_SOCKET;
            cm->Type = SCM_RIGHTS;
            fds.CopyTo(new Span<int>(control + CmsgAlign((nuint)sizeof(CmsgHdr)), fds.Length));
        }
        fixed (byte* p = data)
        {
            IoVec iov = new() { Base = p, Len = (nuint)data.Length };
            MsgHdr msg = new()
            {
                Iov = &iov, IovLen = 1, Control = space == 0 ? null : control, ControlLen = (nuint)space,
            };
            while (true)
            {
                nint n = sendmsg(sock.Fd, &msg, MSG_NOSIGNAL);
                if (n >= 0) return (int)n;
                if (Check.LastErrno != Errno.EINTR) Check.Throw("sendmsg", Check.LastErrno);
            }
        }
    }

    /// <summary>
    /// recvmsg(2) into <paramref name="buf"/>, collecting SCM_RIGHTS fds (received close-on-exec) into
    /// <paramref name="fds"/>. Returns the data length; <paramref name="fdCount"/> is how many fds arrived and
    /// <paramref name="flags"/> the msg_flags (MSG_TRUNC / MSG_CTRUNC). The caller owns every received fd,
    /// including on its own error paths. Fds beyond <paramref name="fds"/>' length are closed and MSG_CTRUNC is set.
    /// </summary>
    public static int RecvWithFds(SafeFd sock, Span<byte> buf, Span<int> fds, out int fdCount, out int flags)
    {
        int controlLen = CmsgSpace(MaxFdsPerMessage * sizeof(int));
        byte* control = stackalloc byte[controlLen];
        new Span<byte>(control, controlLen).Clear();
        nint n;
        MsgHdr msg;
        fixed (byte* p = buf)
        {
            IoVec iov = new() { Base = p, Len = (nuint)buf.Length };
            while (true)
            {
                msg = new MsgHdr { Iov = &iov, IovLen = 1, Control = control, ControlLen = (nuint)controlLen };
                n = recvmsg(sock.Fd, &msg, MSG_CMSG_CLOEXEC);
                if (n >= 0) break;
                if (Check.LastErrno != Errno.EINTR) Check.Throw("recvmsg", Check.LastErrno);
            }
        }
        flags = msg.Flags;
        fdCount = 0;
        nuint hdr = CmsgAlign((nuint)sizeof(CmsgHdr));
        nuint off = 0;
        while (off + (nuint)sizeof(CmsgHdr) <= msg.ControlLen)
        {
            var cm = (CmsgHdr*)(control + off);
            if (cm->Len < hdr || off + cm->Len > msg.ControlLen) break;
            if (cm->Level == SOL_SOCKET && cm->Type == SCM_RIGHTS)
            {
                int count = (int)((cm->Len - hdr) / sizeof(int));
                int* data = (int*)(control + off + hdr);
                for (int i = 0; i < count; i++)
                {
                    if (fdCount < fds.Length) fds[fdCount++] = data[i];
                    else
                    {
                        close(data[i]);
                        flags |= MSG_CTRUNC;
                    }
                }
            }
            off += CmsgAlign(cm->Len);
        }
        return (int)n;
    }
}
