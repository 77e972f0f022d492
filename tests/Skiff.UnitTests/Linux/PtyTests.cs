using Skiff.LibContainer.Wire;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public class PtyTests
{
    [Fact]
    public void OpenPty_PeerIsTheNamedPts_AndWinsizeReachesIt()
    {
        using SafeFd master = Libc.OpenPtmx();
        Libc.Unlockpt(master);
        string name = Libc.Ptsname(master);
        Assert.StartsWith("/dev/pts/", name);
        using SafeFd peer = Libc.OpenPtyPeer(master);
        FileIds p = Libc.FstatIds(peer.Fd);
        Assert.True(p.IsCharDevice);
        Assert.InRange(p.RdevMajor, 136u, 143u);
        Assert.Equal(Libc.StatIds(name).Rdev, p.Rdev);
        Assert.Equal(1, Libc.isatty(peer.Fd));

        Libc.SetWinSize(master.Fd, new WinSize { Rows = 33, Cols = 101 });
        WinSize ws = Libc.GetWinSize(peer.Fd);
        Assert.Equal(33, ws.Rows);
        Assert.Equal(101, ws.Cols);
    }

    [Fact]
    public void PtyIo_FlowsBothWays_AndOnlcrCanBeCleared()
    {
        using SafeFd master = Libc.OpenPtmx();
        Libc.Unlockpt(master);
        using SafeFd peer = Libc.OpenPtyPeer(master);
        Assert.NotEqual(0u, Libc.GetTermios(peer.Fd).OFlag & Libc.ONLCR);
        Libc.WriteAll(peer, "a\n"u8);
        byte[] buf = new byte[16];
        Assert.Equal("a\r\n", System.Text.Encoding.ASCII.GetString(buf, 0, Libc.Read(master, buf)));
        Libc.ClearOnlcr(peer.Fd);
        Assert.Equal(0u, Libc.GetTermios(peer.Fd).OFlag & Libc.ONLCR);
        Libc.WriteAll(peer, "b\n"u8);
        Assert.Equal("b\n", System.Text.Encoding.ASCII.GetString(buf, 0, Libc.Read(master, buf)));
    }

    [Fact]
    public void MakeRaw_ClearsIcanonAndEcho_AndRestores()
    {
        using SafeFd master = Libc.OpenPtmx();
        Libc.Unlockpt(master);
        using SafeFd peer = Libc.OpenPtyPeer(master);
        const uint ICANON = 0x2, ECHO = 0x8;
        Termios old = Libc.MakeRaw(peer.Fd);
        Assert.NotEqual(0u, old.LFlag & (ICANON | ECHO));
        Assert.Equal(0u, Libc.GetTermios(peer.Fd).LFlag & (ICANON | ECHO));
        Libc.SetTermios(peer.Fd, old);
        Assert.Equal(old.LFlag, Libc.GetTermios(peer.Fd).LFlag);
    }

    [Fact]
    public void Master_SentOverConsoleSocket_IsTheSamePty()
    {
        using SafeFd master = Libc.OpenPtmx();
        Libc.Unlockpt(master);
        string name = Libc.Ptsname(master);
        using SafeFd peer = Libc.OpenPtyPeer(master);
        var (a, b) = Libc.SocketPair(Libc.SOCK_STREAM);
        using (a)
        using (b)
        {
            ConsoleSocket.SendFd(a, master, name);
            using SafeFd got = ConsoleSocket.ReceiveFd(b, out string gotName);
            Assert.Equal(name, gotName);
            Assert.Equal(Libc.FstatIds(master.Fd).Rdev, Libc.FstatIds(got.Fd).Rdev);
            Assert.Equal(Libc.PtyNumber(master), Libc.PtyNumber(got));
            Libc.WriteAll(peer, "z"u8);
            byte[] buf = new byte[4];
            Assert.Equal(1, Libc.Read(got, buf));
            Assert.Equal((byte)'z', buf[0]);
        }
    }
}
