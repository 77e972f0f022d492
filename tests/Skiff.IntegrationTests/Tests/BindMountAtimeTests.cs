using Skiff.IntegrationTests.Harness;
using Xunit;
using static Skiff.IntegrationTests.Tests.UserNamespaceTests;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Atime flags of a bind mount whose source is itself a mount with non-default atime flags (issue 11 item 8), as
/// runc 1.2+ applies them (runc's rootfs_linux.go bind case and tests/integration/mounts_sshfs.bats "bind mount
/// {no,rel,strict}atime semantics"). The source is a scratch tmpfs the test mounts on a directory of its own and
/// sets with "mount --bind -o remount,FLAGS". The new mount's options are read from the host
/// (/proc/PID/mountinfo of the created container) and from inside (/proc/self/mountinfo), and must agree.
/// <list type="bullet">
/// <item>No atime option: the source's atime flags are kept (a bind mount clones them; a remount for other options
/// passes no atime flag, and the kernel then keeps the mount's own). A clearing option alone (norelatime, atime,
/// diratime, nostrictatime) keeps them too: the kernel's "no atime flag on remount = preserve" rule (runc keeps
/// this, marked FIXME in its tests, as mount(8) does).</item>
/// <item>An atime option that sets a mode (noatime, relatime, strictatime, nodiratime) wins over the source's.
/// nodiratime alone implies relatime.</item>
/// <item>In a user namespace the copied mounts carry locked atime flags (MNT_LOCK_ATIME): an option that would
/// change them fails with a clear error ("cannot change locked atime flags"); one that keeps them works, also
/// when other locked flags (nosuid, nodev) make the first remount fail with EPERM: runc 1.2 then remounts with
/// the locked flags re-applied.</item>
/// </list>
/// Debian's runc 1.1.5 gives the same results in every case but two: it has no retry with the locked flags, so
/// a bind with an unrelated option ("ro") of a nosuid/nodev source into a user namespace fails with EPERM
/// (skipped for it below); and its refusal of a locked atime change is the bare mount error, without
/// "cannot change locked atime flags".
/// </summary>
public sealed class BindMountAtimeTests : ContainerTest
{
    /// <summary>The atime state shown in mountinfo options: "noatime", "relatime" or "strictatime" (neither is
    /// shown), then ",nodiratime" if set.</summary>
    private static string Atime(IEnumerable<string> options)
    {
        var o = options.ToHashSet();
        string mode = o.Contains("noatime") ? "noatime" : o.Contains("relatime") ? "relatime" : "strictatime";
        return o.Contains("nodiratime") ? mode + ",nodiratime" : mode;
    }

    /// <summary>The same for flags given by name: no mode named means the kernel's default, relatime.</summary>
    private static string AtimeOf(string flags)
    {
        var f = flags.Split(',');
        string mode = f.Contains("noatime") ? "noatime" : f.Contains("strictatime") ? "strictatime" : "relatime";
        return f.Contains("nodiratime") ? mode + ",nodiratime" : mode;
    }

    /// <summary>A scratch tmpfs with <paramref name="flags"/>, checked from the host (the control: the source
    /// really carries the flags the case is about).</summary>
    private static ScratchTmpfs Source(string flags)
    {
        var src = new ScratchTmpfs();
        try
        {
            string[] shown = src.Configure(flags);
            Assert.Equal(AtimeOf(flags), Atime(shown));
            foreach (string f in flags.Split(',').Where(f => f is "ro" or "nosuid" or "nodev" or "noexec"))
                Assert.Contains(f, shown);
            return src;
        }
        catch
        {
            src.Dispose();
            throw;
        }
    }

    /// <summary>Creates a container binding <paramref name="src"/> at /mnt/a with <paramref name="options"/>,
    /// reads the mount's options from the host while init waits, starts it to read them from inside, and
    /// returns them once both agree.</summary>
    private string[] BoundOptions(Bundle b, ScratchTmpfs src, string options)
    {
        b.AddMount("/mnt/a", "bind", src.Path, options.Split(',')).Shell("cat /proc/self/mountinfo");
        var id = NewId();
        var created = Rt.Create(id, b).AssertSuccess();
        int pid = Rt.State(id)["pid"]!.GetValue<int>();
        string[]? host = MountInfo.Options(File.ReadAllText($"/proc/{pid}/mountinfo"), "/mnt/a");
        Rt.Start(id).AssertSuccess();
        Rt.WaitForStatus(id, "stopped");
        string[]? inside = MountInfo.Options(created.Stdout, "/mnt/a");
        Rt.Delete(id).AssertSuccess();
        AssertNothingLeaked(id, b);
        Assert.NotNull(host);
        Assert.Equal(host, inside);
        return inside!;
    }

    [Theory]
    // no atime option: the source's flags are kept
    [InlineData("noatime", "bind", "noatime")]
    [InlineData("noatime,nodiratime", "bind", "noatime,nodiratime")]
    [InlineData("strictatime", "bind", "strictatime")]
    [InlineData("nodiratime", "rbind", "relatime,nodiratime")]
    [InlineData("nodiratime", "bind,ro", "relatime,nodiratime")]
    [InlineData("noatime", "bind,nosuid,nodev", "noatime")]
    // a clearing option alone does not change the kept flags (runc: "FIXME", as mount(8))
    [InlineData("noatime", "bind,norelatime", "noatime")]
    [InlineData("noatime", "bind,atime", "noatime")]
    [InlineData("nodiratime", "bind,diratime", "relatime,nodiratime")]
    [InlineData("nodiratime", "bind,dev", "relatime,nodiratime")]
    // an atime mode asked for wins, and replaces every atime flag of the source
    [InlineData("noatime", "bind,relatime", "relatime")]
    [InlineData("noatime,nodiratime", "rbind,relatime", "relatime")]
    [InlineData("noatime", "bind,strictatime", "strictatime")]
    [InlineData("nodiratime", "bind,strictatime", "strictatime")]
    [InlineData("strictatime", "bind,noatime", "noatime")]
    [InlineData("relatime", "bind,noatime,nodiratime", "noatime,nodiratime")]
    [InlineData("noatime", "bind,nodiratime", "relatime,nodiratime")]
    [InlineData("noatime", "bind,nodiratime,strictatime", "strictatime,nodiratime")]
    // nodiratime implies relatime; norelatime does not undo that (runc: "FIXME", as mount(8))
    [InlineData("noatime", "bind,nodiratime,norelatime", "relatime,nodiratime")]
    public void ASourcesAtimeFlagsAreKeptUnlessAModeIsAskedFor(string source, string options, string expected)
    {
        using var src = Source(source);
        Assert.Equal(expected, Atime(BoundOptions(NewBundle(), src, options)));
    }

    [Theory]
    [InlineData("strictatime", "bind", "strictatime")]
    [InlineData("relatime", "bind", "relatime")]
    [InlineData("nodiratime", "bind", "relatime,nodiratime")]
    [InlineData("noatime,nodiratime", "bind", "noatime,nodiratime")]
    [InlineData("noatime", "bind,ro", "noatime")]
    // asking for the atime flags the mount has is no change
    [InlineData("noatime", "bind,noatime", "noatime")]
    [InlineData("strictatime", "bind,strictatime", "strictatime")]
    // clearing options alone keep the locked flags (runc: "FIXME: all of these cases should fail")
    [InlineData("noatime,nodiratime", "bind,norelatime", "noatime,nodiratime")]
    [InlineData("strictatime", "bind,nostrictatime", "strictatime")]
    [InlineData("nodiratime", "bind,diratime", "relatime,nodiratime")]
    [InlineData("nodiratime", "bind,norelatime", "relatime,nodiratime")]
    [InlineData("relatime", "bind,norelatime", "relatime")]
    [InlineData("noatime", "bind,atime", "noatime")]
    [InlineData("noatime,nodiratime", "bind,atime", "noatime,nodiratime")]
    public void InAUserNamespaceLockedAtimeFlagsAreKept(string source, string options, string expected)
    {
        using var src = Source(source);
        Assert.Equal(expected, Atime(BoundOptions(WithUserNs(NewBundle()), src, options)));
    }

    [TheoryUnlessRunc11("runc 1.1 has no retry with the locked flags re-applied: the remount fails with EPERM")]
    [InlineData("noatime,nosuid,nodev", "bind,ro", "noatime")]
    [InlineData("noatime,nosuid", "bind,ro,noatime", "noatime")]
    [InlineData("strictatime,nodev", "bind,ro,strictatime", "strictatime")]
    [InlineData("nodiratime,nosuid", "bind,noexec", "relatime,nodiratime")]
    public void InAUserNamespaceOtherLockedFlagsDoNotMakeTheAtimeFlagsFail(string source, string options, string expected)
    {
        using var src = Source(source);
        string[] shown = BoundOptions(WithUserNs(NewBundle()), src, options);
        Assert.Equal(expected, Atime(shown));
        // the options asked for are applied, and the locked flags of the source kept
        foreach (string f in options.Split(',').Concat(source.Split(',')).Where(f => f is "ro" or "nosuid" or "nodev" or "noexec"))
            Assert.Contains(f, shown);
    }

    [Theory]
    [InlineData("nodiratime", "bind,strictatime")]
    [InlineData("relatime", "bind,strictatime")]
    [InlineData("noatime", "bind,strictatime")]
    [InlineData("nodiratime", "bind,noatime")]
    [InlineData("relatime", "bind,noatime")]
    [InlineData("relatime", "bind,nodiratime")]
    // MS_STRICTATIME makes the kernel ignore MS_RELATIME/MS_NOATIME: a strictatime source must still refuse them
    [InlineData("strictatime", "bind,relatime")]
    [InlineData("strictatime", "bind,noatime")]
    [InlineData("strictatime", "bind,nodiratime")]
    // MS_RELATIME is ignored next to MS_NOATIME: re-applying a locked noatime would silently drop relatime
    [InlineData("noatime", "bind,relatime")]
    [InlineData("noatime,nosuid", "bind,ro,relatime")]
    public void InAUserNamespaceChangingLockedAtimeFlagsFailsCleanly(string source, string options)
    {
        using var src = Source(source);
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "bind", src.Path, options.Split(',')).Shell("true");
        var id = NewId();
        var r = Rt.Run(id, b).AssertFailure("operation not permitted");
        if (!RuntimeInfo.IsRunc11)
            r.AssertFailure($"failed to set user-requested vfs flags on bind-mount: cannot change locked atime flags {AtimeFlagsHex(source)}: mount");
        AssertNothingLeaked(id, b);
    }

    /// <summary>The atime flags statfs shows for <paramref name="source"/> as MS_* bits, in the error's hex form
    /// (strictatime is the "fake" MS_STRICTATIME: no mode stored at all).</summary>
    private static string AtimeFlagsHex(string source)
    {
        var f = source.Split(',');
        ulong flags = f.Contains("noatime") ? 0x400UL : f.Contains("strictatime") ? 0x1000000UL : 0x200000UL;
        if (f.Contains("nodiratime")) flags |= 0x800;
        return "0x" + flags.ToString("x");
    }
}
