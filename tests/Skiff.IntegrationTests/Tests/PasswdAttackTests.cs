using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// A hostile image's /etc/passwd against skiff init, which reads it for HOME when the config sets none: a file that
/// never ends, and a fifo. Each attack has a control run (with HOME set, so that init does not read the file) showing
/// that the container really sees what the attack planted.
/// </summary>
public sealed class PasswdAttackTests : ContainerTest
{
    /// <summary>A bundle whose image has <c>/etc/passwd</c> replaced by what <paramref name="plant"/> makes there.</summary>
    private Bundle HostileImage(Action<string> plant, params string[] args)
    {
        var b = NewBundle(args).PrivateRootfs();
        string passwd = Path.Combine(b.RootfsPath, "etc", "passwd");
        File.Delete(passwd);
        plant(passwd);
        return b;
    }

    [Fact]
    public void APasswdThatNeverEndsFailsTheStartWithinBoundedMemory()
    {
        void ToDevZero(string p) => File.CreateSymbolicLink(p, "/dev/zero");

        // Control: inside the container such a link reads on and on (a megabyte of it here). Planted beside an
        // ordinary /etc/passwd: runc reads /etc/passwd at every start, HOME or not.
        var control = NewBundle("sh", "-c", "head -c 1048576 /etc/endless | wc -c").PrivateRootfs();
        ToDevZero(Path.Combine(control.RootfsPath, "etc", "endless"));
        string controlId = NewId();
        Assert.Equal("1048576", Rt.Run(controlId, control).AssertSuccess().Stdout.Trim());

        // The attack: no HOME, so init looks the user up. Before, init read the endless file into memory until the
        // container's memory limit killed it ("cannot start a container that has stopped"; without a limit, until
        // the host ran out). Now it stops at the first 64 KiB without a line end, as runc's line scanner does.
        var attack = HostileImage(ToDevZero, "true").Memory(256L << 20);
        string id = NewId();
        var r = Rt.Run(id, attack).AssertFailure("unable to find user 0");
        Assert.DoesNotContain("stopped", r.Stderr);
        AssertNothingLeaked(id, attack);
    }

    [FactUnlessRunc11("runc opens a fifo /etc/passwd and waits for a writer that never comes")]
    public void AFifoPasswdDoesNotHangTheStart()
    {
        void Fifo(string p) => BusyboxRootfs.Run("/usr/bin/mkfifo", p);

        // Control: the container's /etc/passwd is that fifo.
        var control = HostileImage(Fifo, "sh", "-c", "test -p /etc/passwd && echo fifo").Env("HOME", "/h");
        Assert.Equal("fifo\n", Rt.Run(NewId(), control).AssertSuccess().Stdout);

        // The attack: opened without O_NONBLOCK, the open would wait for a writer forever (the test's run timeout).
        // A fifo with no writer reads as an empty passwd: no entry, HOME=/.
        var attack = HostileImage(Fifo, "sh", "-c", "echo $HOME");
        string id = NewId();
        Assert.Equal("/\n", Rt.Run(id, attack).AssertSuccess().Stdout);
        AssertNothingLeaked(id, attack);
    }

    [FactUnlessRunc11("runc opens a fifo /etc/localtime for its log line's time and waits for a writer")]
    public void AFifoLocaltimeDoesNotHangInitsLogLines()
    {
        // An unknown capability makes init warn after the root switch; a log line's local time would open the
        // image's /etc/localtime.
        Bundle Image(bool warn, params string[] args)
        {
            var b = NewBundle(args).PrivateRootfs();
            if (warn) b.CapabilitySet("bounding", "CAP_KILL", "CAP_NO_SUCH_THING");
            string lt = Path.Combine(b.RootfsPath, "etc", "localtime");
            File.Delete(lt);
            BusyboxRootfs.Run("/usr/bin/mkfifo", lt);
            return b;
        }

        // Control: the container's /etc/localtime is that fifo.
        Assert.Equal("fifo\n", Rt.Run(NewId(), Image(false, "sh", "-c", "test -p /etc/localtime && echo fifo")).AssertSuccess().Stdout);

        // Before, the warning's line hung init (and the run) on the fifo's open.
        var b = Image(true, "true");
        string id = NewId();
        var r = Rt.Run(id, b).AssertSuccess();
        Assert.Contains(r.ErrorMessages, m => m.Contains("CAP_NO_SUCH_THING"));
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void APasswdLineLongerThanRuncsLimitIsAnErrorAndOneBelowItIsRead()
    {
        var b = HostileImage(p => File.WriteAllText(p, "nobody:x:65534:65534::/nonexistent:/bin/false\n" +
            "long:x:5:5:" + new string('g', 100_000) + ":/l:/bin/sh\nroot:x:0:0:root:/from-passwd:/bin/sh"), "sh", "-c", "echo $HOME");
        string id = NewId();
        // a 100 kB line is more than runc's 64 KiB: an error for runc and for skiff alike
        Rt.Run(id, b).AssertFailure("unable to find user 0");
        AssertNothingLeaked(id, b);

        var ok = HostileImage(p => File.WriteAllText(p, "nobody:x:65534:65534::/nonexistent:/bin/false\n" +
            "long:x:5:5:" + new string('g', 60_000) + ":/l:/bin/sh\nroot:x:0:0:root:/from-passwd:/bin/sh"), "sh", "-c", "echo $HOME");
        Assert.Equal("/from-passwd\n", Rt.Run(NewId(), ok).AssertSuccess().Stdout);
    }
}
