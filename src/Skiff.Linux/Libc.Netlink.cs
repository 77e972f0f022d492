using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Skiff.Linux;

public static unsafe partial class Libc
{
    public const int NETLINK_ROUTE = 0;
    public const ushort NLMSG_ERROR = 2, RTM_NEWLINK = 16;
    public const ushort NLM_F_REQUEST = 0x1, NLM_F_ACK = 0x4;
    public const uint IFF_UP = 0x1;
    public const int NlmsgHdrLen = 16, IfInfoMsgLen = 16;

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint send(int fd, void* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    public static partial nint recv(int fd, void* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    /// <summary>if_nametoindex(3); throws naming the interface (ENODEV when there is none).</summary>
    public static int IfNameToIndex(string name)
    {
        uint idx = if_nametoindex(name);
        if (idx == 0) Check.Throw("if_nametoindex", Check.LastErrno == Errno.OK ? Errno.ENODEV : Check.LastErrno, name);
        return (int)idx;
    }

    /// <summary>The interface flags of <paramref name="name"/> (SIOCGIFFLAGS) in the calling thread's network namespace.</summary>
    public static uint GetLinkFlags(string name)
    {
        const uint SIOCGIFFLAGS = 0x8913;
        using SafeFd s = Check.Fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), "socket");
        byte* ifr = stackalloc byte[40]; // struct ifreq: ifr_name[16], then the union (ifr_flags is a short)
        new Span<byte>(ifr, 40).Clear();
        int n = System.Text.Encoding.UTF8.GetBytes(name, new Span<byte>(ifr, 15));
        ifr[n] = 0;
        Check.Rc(ioctl(s.Fd, SIOCGIFFLAGS, ifr), "ioctl(SIOCGIFFLAGS)", name);
        return *(ushort*)(ifr + 16);
    }

    /// <summary>
    /// Encodes RTM_NEWLINK (NLM_F_REQUEST|NLM_F_ACK) with an ifinfomsg that changes only <paramref name="flags"/>
    /// under <paramref name="change"/> on interface <paramref name="ifindex"/>: nlmsghdr (16) + ifinfomsg (16).
    /// </summary>
    public static int EncodeSetLinkFlags(Span<byte> buf, uint seq, int ifindex, uint flags, uint change)
    {
        const int len = NlmsgHdrLen + IfInfoMsgLen;
        buf[..len].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(buf, len);                       // nlmsg_len
        BinaryPrimitives.WriteUInt16LittleEndian(buf[4..], RTM_NEWLINK);          // nlmsg_type
        BinaryPrimitives.WriteUInt16LittleEndian(buf[6..], NLM_F_REQUEST | NLM_F_ACK);
        BinaryPrimitives.WriteUInt32LittleEndian(buf[8..], seq);                  // nlmsg_seq
        // nlmsg_pid 0 (the kernel assigns our port); ifi_family AF_UNSPEC, pad, ifi_type 0
        BinaryPrimitives.WriteInt32LittleEndian(buf[20..], ifindex);              // ifi_index
        BinaryPrimitives.WriteUInt32LittleEndian(buf[24..], flags);               // ifi_flags
        BinaryPrimitives.WriteUInt32LittleEndian(buf[28..], change);              // ifi_change
        return len;
    }

    /// <summary>
    /// Reads the NLMSG_ERROR answer to request <paramref name="seq"/>: <see cref="Errno.OK"/> for an ACK, the errno
    /// otherwise; null when <paramref name="msg"/> holds no answer to that request.
    /// </summary>
    public static Errno? DecodeNetlinkAck(ReadOnlySpan<byte> msg, uint seq)
    {
        while (msg.Length >= NlmsgHdrLen)
        {
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(msg);
            if (len < NlmsgHdrLen || len > msg.Length) return null;
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(msg[4..]);
            uint mseq = BinaryPrimitives.ReadUInt32LittleEndian(msg[8..]);
            if (type == NLMSG_ERROR && mseq == seq && len >= NlmsgHdrLen + 4)
                return (Errno)(-BinaryPrimitives.ReadInt32LittleEndian(msg[NlmsgHdrLen..]));
            int step = (int)((len + 3) & ~3u);
            if (step >= msg.Length) break;
            msg = msg[step..];
        }
        return null;
    }

    /// <summary>Sets or clears IFF_UP on <paramref name="ifindex"/> over a fresh rtnetlink socket and waits for the ACK.</summary>
    public static void SetLinkUp(int ifindex, bool up, string nameForErrors)
    {
        using SafeFd sock = Check.Fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), "socket");
        const uint seq = 1;
        Span<byte> req = stackalloc byte[NlmsgHdrLen + IfInfoMsgLen];
        int len = EncodeSetLinkFlags(req, seq, ifindex, up ? IFF_UP : 0, IFF_UP);
        fixed (byte* p = req)
        {
            nint n;
            while ((n = send(sock.Fd, p, len, 0)) < 0 && Check.LastErrno == Errno.EINTR) { }
            Check.Rc(n, "netlink send RTM_NEWLINK", nameForErrors);
        }
        Span<byte> resp = stackalloc byte[1024];
        fixed (byte* p = resp)
        {
            while (true)
            {
                nint n;
                while ((n = recv(sock.Fd, p, resp.Length, 0)) < 0 && Check.LastErrno == Errno.EINTR) { }
                Check.Rc(n, "netlink recv", nameForErrors);
                Errno? e = DecodeNetlinkAck(resp[..(int)n], seq);
                if (e is null) continue;
                if (e != Errno.OK) Check.Throw("netlink RTM_NEWLINK", e.Value, nameForErrors);
                return;
            }
        }
    }
}
