using Skiff.LibContainer.Init;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public class NetlinkTests
{
    [Fact]
    public void EncodeSetLinkFlags_ByteLayout()
    {
        byte[] buf = new byte[64];
        int n = Libc.EncodeSetLinkFlags(buf, seq: 0x01020304, ifindex: 1, flags: Libc.IFF_UP, change: Libc.IFF_UP);
        Assert.Equal(32, n);
        byte[] expected =
        [
            32, 0, 0, 0,        // nlmsg_len
            16, 0,              // nlmsg_type RTM_NEWLINK
            5, 0,               // NLM_F_REQUEST | NLM_F_ACK
            4, 3, 2, 1,         // nlmsg_seq
            0, 0, 0, 0,         // nlmsg_pid
            0, 0, 0, 0,         // ifi_family AF_UNSPEC, pad, ifi_type
            1, 0, 0, 0,         // ifi_index
            1, 0, 0, 0,         // ifi_flags IFF_UP
            1, 0, 0, 0,         // ifi_change IFF_UP
        ];
        Assert.Equal(expected, buf[..n]);
    }

    [Fact]
    public void DecodeNetlinkAck_AckErrorAndOthers()
    {
        static byte[] Err(int error, uint seq, ushort type = Libc.NLMSG_ERROR)
        {
            byte[] m = new byte[36];
            BitConverter.TryWriteBytes(m.AsSpan(0), 36u);
            BitConverter.TryWriteBytes(m.AsSpan(4), type);
            BitConverter.TryWriteBytes(m.AsSpan(8), seq);
            BitConverter.TryWriteBytes(m.AsSpan(16), error);
            return m;
        }
        Assert.Equal(Errno.OK, Libc.DecodeNetlinkAck(Err(0, 7), 7));
        Assert.Equal(Errno.EPERM, Libc.DecodeNetlinkAck(Err(-1, 7), 7));
        Assert.Null(Libc.DecodeNetlinkAck(Err(0, 8), 7));
        Assert.Null(Libc.DecodeNetlinkAck(Err(0, 7, type: 16), 7));
        Assert.Equal(Errno.ENODEV, Libc.DecodeNetlinkAck([.. Err(0, 6, type: 16), .. Err(-19, 7)], 7));
        Assert.Null(Libc.DecodeNetlinkAck(new byte[10], 7));
    }

    [Fact]
    public void LoopbackUp_InAThreadsOwnNetns()
    {
        if (!TestThread.IsRoot) return;
        // unshare(CLONE_NEWNET) on a throw-away thread: only that thread moves, the host's lo is never touched.
        (bool before, bool after) = TestThread.Run(() =>
        {
            const long SYS_unshare = 272, CLONE_NEWNET = 0x40000000;
            Check.Rc(Libc.syscall(SYS_unshare, CLONE_NEWNET, 0, 0, 0, 0, 0), "unshare");
            bool b = LoIsUp();
            Network.LoopbackUp();
            return (b, LoIsUp());
        });
        Assert.False(before);
        Assert.True(after);
    }

    private static bool LoIsUp() => (Libc.GetLinkFlags("lo") & Libc.IFF_UP) != 0;
}
