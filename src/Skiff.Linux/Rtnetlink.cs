using System.Buffers.Binary;
using System.Text;

namespace Skiff.Linux;

/// <summary>An interface address as rtnetlink reports it (struct ifaddrmsg plus IFA_LOCAL/IFA_ADDRESS, IFA_FLAGS).</summary>
public readonly record struct IfAddress(byte Family, byte PrefixLen, uint Flags, byte Scope, byte[] Address)
{
    public const byte AF_INET = 2, AF_INET6 = 10;
    public const uint IFA_F_PERMANENT = 0x80;
    public const byte RT_SCOPE_UNIVERSE = 0;

    /// <summary>"192.0.2.7/24", "2001:db8::7/64" (Go's net.IPNet text).</summary>
    public override string ToString() => $"{new System.Net.IPAddress(Address)}/{PrefixLen}";
}

/// <summary>
/// An rtnetlink socket (NETLINK_ROUTE) bound to the network namespace it was opened in: links by name, link
/// flags, moving a link to another namespace (IFLA_NET_NS_FD) with a new name, listing and adding addresses.
/// Requests wait for the kernel's ACK; errors name the operation and the interface.
/// </summary>
public sealed unsafe class Rtnetlink : IDisposable
{
    private const ushort RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_GETADDR = 22;
    private const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    private const ushort NLM_F_REQUEST = 0x1, NLM_F_ACK = 0x4, NLM_F_CREATE = 0x400, NLM_F_EXCL = 0x200, NLM_F_DUMP = 0x300;
    private const ushort IFLA_IFNAME = 3, IFLA_NET_NS_FD = 28;
    private const ushort IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_BROADCAST = 4, IFA_FLAGS = 8;
    private const int NETLINK_ROUTE = 0, IfInfoLen = 16, IfAddrLen = 8, HdrLen = 16;

    private readonly SafeFd _sock;
    private uint _seq;

    private Rtnetlink(SafeFd sock) => _sock = sock;

    /// <summary>A socket in the calling thread's network namespace.</summary>
    public static Rtnetlink Open() =>
        new(Check.Fd(Libc.socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, NETLINK_ROUTE), "socket", "netlink"));

    /// <summary>
    /// A socket in the network namespace <paramref name="netns"/> (an fd of /proc/PID/ns/net): a throw-away thread
    /// joins the namespace and opens it; the socket stays bound to that namespace, and no thread of ours stays there.
    /// </summary>
    public static Rtnetlink OpenIn(SafeFd netns, string pathForErrors)
    {
        Rtnetlink? result = null;
        Exception? error = null;
        var t = new Thread(() =>
        {
            try
            {
                Libc.Setns(netns, Libc.CLONE_NEWNET, pathForErrors);
                result = Open();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        }) { Name = "netns-socket" };
        t.Start();
        t.Join();
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result!;
    }

    public void Dispose() => _sock.Dispose();

    /// <summary>The ifindex of <paramref name="name"/> in this socket's namespace (RTM_GETLINK by IFLA_IFNAME).</summary>
    public int LinkIndex(string name)
    {
        var m = new Message(RTM_GETLINK, NLM_F_REQUEST, ++_seq);
        m.IfInfo(0, 0, 0);
        m.AttrString(IFLA_IFNAME, name);
        int index = 0;
        Transact(m, "RTM_GETLINK", name, reply =>
        {
            if (reply.Length >= HdrLen + IfInfoLen) index = BinaryPrimitives.ReadInt32LittleEndian(reply[(HdrLen + 4)..]);
        });
        if (index <= 0) throw new SyscallException("netlink RTM_GETLINK", Errno.ENODEV, name);
        return index;
    }

    /// <summary>Sets (up) or clears IFF_UP on link <paramref name="index"/>.</summary>
    public void SetLinkUp(int index, bool up, string nameForErrors)
    {
        var m = new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ++_seq);
        m.IfInfo(index, up ? Libc.IFF_UP : 0, Libc.IFF_UP);
        Transact(m, "RTM_NEWLINK", nameForErrors, null);
    }

    /// <summary>
    /// Moves link <paramref name="index"/> into the namespace <paramref name="netns"/> and names it
    /// <paramref name="newName"/> there, in one request (no window where the name could clash on either side;
    /// a "%d" template lets the kernel pick a free name).
    /// </summary>
    public void MoveLink(int index, string newName, SafeFd netns, string nameForErrors)
    {
        var m = new Message(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, ++_seq);
        m.IfInfo(index, 0, 0);
        m.AttrString(IFLA_IFNAME, newName);
        m.AttrU32(IFLA_NET_NS_FD, (uint)netns.Fd);
        Transact(m, "RTM_NEWLINK", nameForErrors, null);
    }

    /// <summary>The addresses of link <paramref name="index"/>, every family (RTM_GETADDR dump).</summary>
    public List<IfAddress> Addresses(int index, string nameForErrors)
    {
        var m = new Message(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ++_seq);
        m.Bytes(IfAddrLen); // ifaddrmsg, AF_UNSPEC: all families
        var list = new List<IfAddress>();
        Transact(m, "RTM_GETADDR", nameForErrors, reply =>
        {
            if (reply.Length < HdrLen + IfAddrLen) return;
            var body = reply[HdrLen..];
            if (BinaryPrimitives.ReadInt32LittleEndian(body[4..]) != index) return;
            byte family = body[0], prefix = body[1], scope = body[3];
            uint flags = body[2];
            byte[]? local = null, address = null;
            foreach (var (type, data) in Attrs(body[IfAddrLen..]))
            {
                if (type == IFA_LOCAL) local = data; // Attrs copies each payload into an array of its own
                else if (type == IFA_ADDRESS) address = data;
                else if (type == IFA_FLAGS && data.Length >= 4) flags = BinaryPrimitives.ReadUInt32LittleEndian(data);
            }
            // IPv4 reports the interface's own address as IFA_LOCAL (IFA_ADDRESS is the peer on point-to-point links)
            byte[]? own = local ?? address;
            if (own is not null) list.Add(new IfAddress(family, prefix, flags, scope, own));
        });
        return list;
    }

    /// <summary>
    /// Adds <paramref name="addr"/> (address and prefix only, universe scope) to link <paramref name="index"/>; for
    /// IPv4 below /31 with the broadcast address derived from it, as `ip addr add … brd +` and Go's netlink do.
    /// </summary>
    public void AddAddress(int index, IfAddress addr, string nameForErrors)
    {
        var m = new Message(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, ++_seq);
        Span<byte> ifa = stackalloc byte[IfAddrLen];
        ifa.Clear();
        ifa[0] = addr.Family;
        ifa[1] = addr.PrefixLen;
        BinaryPrimitives.WriteInt32LittleEndian(ifa[4..], index);
        m.Raw(ifa);
        m.Attr(IFA_LOCAL, addr.Address);
        m.Attr(IFA_ADDRESS, addr.Address);
        if (addr.Family == IfAddress.AF_INET && addr.PrefixLen < 31)
        {
            byte[] brd = (byte[])addr.Address.Clone();
            for (int bit = addr.PrefixLen; bit < 32; bit++) brd[bit / 8] |= (byte)(0x80 >> (bit % 8));
            m.Attr(IFA_BROADCAST, brd);
        }
        Transact(m, "RTM_NEWADDR", nameForErrors, null);
    }

    private delegate void ReplyHandler(ReadOnlySpan<byte> message);

    /// <summary>Sends <paramref name="m"/>; hands each reply message of its sequence to <paramref name="onReply"/>
    /// until the ACK, the error, or (for a dump) NLMSG_DONE.</summary>
    private void Transact(Message m, string op, string name, ReplyHandler? onReply)
    {
        byte[] req = m.ToArray();
        fixed (byte* p = req)
        {
            nint n;
            while ((n = Libc.send(_sock.Fd, p, req.Length, 0)) < 0 && Check.LastErrno == Errno.EINTR) { }
            Check.Rc(n, "netlink send " + op, name);
        }
        bool dump = (m.Flags & NLM_F_DUMP) == NLM_F_DUMP;
        bool wantsReply = !dump && (m.Flags & NLM_F_ACK) == 0;
        byte[] buf = new byte[32 * 1024];
        while (true)
        {
            nint n;
            fixed (byte* p = buf)
            {
                while ((n = Libc.recv(_sock.Fd, p, buf.Length, 0)) < 0 && Check.LastErrno == Errno.EINTR) { }
            }
            Check.Rc(n, "netlink recv " + op, name);
            ReadOnlySpan<byte> rest = buf.AsSpan(0, (int)n);
            while (rest.Length >= HdrLen)
            {
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(rest);
                if (len < HdrLen || len > rest.Length) break;
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(rest[4..]);
                uint seq = BinaryPrimitives.ReadUInt32LittleEndian(rest[8..]);
                var msg = rest[..len];
                rest = rest[Math.Min(rest.Length, (len + 3) & ~3)..];
                if (seq != m.Seq) continue;
                if (type == NLMSG_ERROR)
                {
                    var err = (Errno)(-BinaryPrimitives.ReadInt32LittleEndian(msg[HdrLen..]));
                    if (err != Errno.OK) throw new SyscallException("netlink " + op, err, name);
                    return;
                }
                if (type == NLMSG_DONE) return;
                onReply?.Invoke(msg);
                if (wantsReply) return;
            }
        }
    }

    private static List<(ushort Type, byte[] Data)> Attrs(ReadOnlySpan<byte> span)
    {
        var list = new List<(ushort, byte[])>();
        while (span.Length >= 4)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(span);
            ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(span[2..]) & 0x3fff);
            if (len < 4 || len > span.Length) break;
            list.Add((type, span[4..len].ToArray()));
            span = span[Math.Min(span.Length, (len + 3) & ~3)..];
        }
        return list;
    }

    /// <summary>An nlmsghdr and its payload, attributes padded to 4 bytes; the length is filled in by ToArray.</summary>
    private sealed class Message
    {
        private readonly List<byte> _b = new(128);

        public Message(ushort type, ushort flags, uint seq)
        {
            Flags = flags;
            Seq = seq;
            Span<byte> h = stackalloc byte[HdrLen];
            h.Clear();
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], type);
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], flags);
            BinaryPrimitives.WriteUInt32LittleEndian(h[8..], seq);
            Raw(h);
        }

        public ushort Flags { get; }
        public uint Seq { get; }

        public void Raw(ReadOnlySpan<byte> data)
        {
            foreach (byte x in data) _b.Add(x);
        }

        public void Bytes(int zeros)
        {
            for (int i = 0; i < zeros; i++) _b.Add(0);
        }

        public void IfInfo(int index, uint flags, uint change)
        {
            Span<byte> i = stackalloc byte[IfInfoLen];
            i.Clear();
            BinaryPrimitives.WriteInt32LittleEndian(i[4..], index);
            BinaryPrimitives.WriteUInt32LittleEndian(i[8..], flags);
            BinaryPrimitives.WriteUInt32LittleEndian(i[12..], change);
            Raw(i);
        }

        public void Attr(ushort type, ReadOnlySpan<byte> data)
        {
            Span<byte> h = stackalloc byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(h, (ushort)(4 + data.Length));
            BinaryPrimitives.WriteUInt16LittleEndian(h[2..], type);
            Raw(h);
            Raw(data);
            while (_b.Count % 4 != 0) _b.Add(0);
        }

        public void AttrString(ushort type, string s)
        {
            byte[] data = new byte[Encoding.UTF8.GetByteCount(s) + 1];
            Encoding.UTF8.GetBytes(s, data);
            Attr(type, data);
        }

        public void AttrU32(ushort type, uint v)
        {
            Span<byte> d = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(d, v);
            Attr(type, d);
        }

        public byte[] ToArray()
        {
            byte[] a = _b.ToArray();
            BinaryPrimitives.WriteUInt32LittleEndian(a, (uint)a.Length);
            return a;
        }
    }
}
