using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Hostile images against the rootfs setup (issue 10): each test builds the attack for real, with a control that
/// shows the attack setup does what it should, and asserts nothing reached the host.
/// </summary>
public sealed class RootfsAttackTests : ContainerTest
{
    private const string DomainnameDefence = "runc 1.1 follows the symlink (CVE-2025-52881)";

    private readonly string _host = Path.Combine(RepoPaths.TempRoot, "host-" + Guid.NewGuid().ToString("N")[..8]);

    public RootfsAttackTests() => Directory.CreateDirectory(_host);

    public override void Dispose()
    {
        base.Dispose();
        Runtime.TryDelete(_host);
    }

    // ---- CVE-2021-30465 / CVE-2024-45310: RENAME_EXCHANGE race on a mount destination's parent ----

    private const string SwapperC = """
        #define _GNU_SOURCE
        #include <fcntl.h>
        #include <signal.h>
        #include <stdio.h>
        #include <unistd.h>
        #include <sys/syscall.h>
        static volatile sig_atomic_t stop;
        static void on_term(int s) { (void)s; stop = 1; }
        int main(int argc, char **argv) {
            unsigned long n = 0;
            signal(SIGTERM, on_term);
            if (argc != 3) return 2;
            while (!stop)
                if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2], 2 /* RENAME_EXCHANGE */) == 0) n++;
            printf("%lu\n", n);
            return 0;
        }
        """;

    [FactUnlessRunc11("runc 1.1 creates mount points by path string (CVE-2024-45310)")]
    public void AMountRaceWithRenameExchangeNeverReachesTheHost()
    {
        string attacker = Compile("swapper", SwapperC);
        var b = NewBundle("true").PrivateRootfs();
        string mnt = Path.Combine(b.RootfsPath, "mnt");
        Directory.CreateDirectory(Path.Combine(mnt, "sub"));
        // "link" is what an attacker in another container sharing the volume would plant: a symlink out of the root.
        File.CreateSymbolicLink(Path.Combine(mnt, "link"), _host);
        string source = Path.Combine(b.Dir, "source-file");
        File.WriteAllText(source, "bound\n");
        for (int i = 0; i < 4; i++)
        {
            b.AddMount($"/mnt/sub/f{i}", "bind", source, "bind");
            b.AddMount($"/mnt/sub/d{i}", "tmpfs", "tmpfs");
        }
        b.Save();

        // Control: the swapper really swaps the directory and the symlink, seen from here while it runs.
        using var swapper = StartProcess(attacker, Path.Combine(mnt, "sub"), Path.Combine(mnt, "link"));
        int started = 0;
        try
        {
            string sub = Path.Combine(mnt, "sub");
            bool sawDir = false, sawLink = false;
            for (int i = 0; i < 1_000_000 && !(sawDir && sawLink); i++)
            {
                if (new FileInfo(sub).LinkTarget is not null) sawLink = true;
                else if (Directory.Exists(sub)) sawDir = true;
            }
            Assert.True(sawDir && sawLink, "the swapper never exchanged the directory and the symlink");

            for (int i = 0; i < 100; i++)
            {
                var id = NewId("race");
                var r = Rt.Run(id, b);
                if (r.ExitCode == 0) started++;
                else AssertNothingLeaked(id, b);
                Assert.Empty(Directory.EnumerateFileSystemEntries(_host));
            }
            Assert.False(swapper.HasExited, "the swapper died during the loop");
        }
        finally
        {
            swapper.Kill();
            swapper.WaitForExit();
        }

        Assert.Empty(Directory.EnumerateFileSystemEntries(_host));
        Assert.DoesNotContain(_host, File.ReadAllText("/proc/self/mountinfo"));
        // Some starts must have gone through with the attacker running, or the loop proved nothing.
        Assert.True(started > 0, "no start succeeded while the attacker ran");
    }

    // ---- CVE-2025-31133: maskedPaths through a planted /dev/null ----

    [TheoryUnlessRunc11("runc 1.1 does not check /dev/null (CVE-2025-31133)")]
    [InlineData("/etc/planted")]
    [InlineData("/proc/sys/kernel/domainname")]
    public void APlantedDevNullSymlinkIsNeverUsedToMask(string target)
    {
        // The image: /dev/null a symlink, no /dev mount in the config, /proc/keys to be masked.
        var b = NewBundle("cat", "/proc/keys").PrivateRootfs();
        File.WriteAllText(Path.Combine(b.RootfsPath, "etc/planted"), "PLANTED\n");
        string devNull = Path.Combine(b.RootfsPath, "dev/null");
        File.Delete(devNull);
        File.CreateSymbolicLink(devNull, target);
        b.RemoveMount("/dev").RemoveMount("/dev/pts").RemoveMount("/dev/shm").RemoveMount("/dev/mqueue")
            .MaskedPaths("/proc/keys").ReadonlyPaths("/proc/sys");

        var id = NewId("devnull");
        var r = Rt.Run(id, b);
        r.AssertFailure("/dev/null is invalid");
        Assert.DoesNotContain("PLANTED", r.Stdout);
        AssertNothingLeaked(id, b);
        Assert.Equal("PLANTED\n", File.ReadAllText(Path.Combine(b.RootfsPath, "etc/planted")));

        // Control: with the same /dev/null bound in from outside (no device setup) and nothing to mask, the
        // container's /dev/null is the planted target; masking with it is what the check above refuses.
        var hostile = Path.Combine(_host, "dev");
        Directory.CreateDirectory(hostile);
        File.CreateSymbolicLink(Path.Combine(hostile, "null"), target);
        var c = NewBundle().PrivateRootfs();
        File.WriteAllText(Path.Combine(c.RootfsPath, "etc/planted"), "PLANTED\n");
        c.RemoveMount("/dev").RemoveMount("/dev/pts").RemoveMount("/dev/shm").RemoveMount("/dev/mqueue")
            .AddMount("/dev", "bind", hostile, "rbind").MaskedPaths().Hostname("ctl").Edit(cfg => cfg["domainname"] = "ctl.example");
        string seen = RunShell(c, "readlink /dev/null; cat /dev/null");
        Assert.StartsWith(target + "\n", seen);
        Assert.Contains(target == "/etc/planted" ? "PLANTED" : "ctl.example", seen);

        // And the mask itself refuses it there too.
        var m = NewBundle("true").PrivateRootfs();
        m.RemoveMount("/dev").RemoveMount("/dev/pts").RemoveMount("/dev/shm").RemoveMount("/dev/mqueue")
            .AddMount("/dev", "bind", hostile, "rbind").MaskedPaths("/proc/keys");
        var mid = NewId("devnull");
        Rt.Run(mid, m).AssertFailure("can't mask paths");
        AssertNothingLeaked(mid, m);
    }

    // ---- CVE-2025-52881: a mount redirected into /proc (or /sys) through a symlink of the image ----

    [TheoryUnlessRunc11(DomainnameDefence)]
    [InlineData("/proc/sys/kernel", "cannot be mounted because it is inside /proc")]
    [InlineData("/sys/kernel", "refusing to mount inside /sys")]
    public void AMountRedirectedIntoProcOrSysBySymlinkIsRefused(string target, string error)
    {
        var b = NewBundle("sh", "-c", "cat /proc/sys/kernel/domainname").PrivateRootfs();
        File.CreateSymbolicLink(Path.Combine(b.RootfsPath, "mnt/x"), target);
        b.AddMount("/mnt/x", "tmpfs", "tmpfs").Sysctl("kernel.domainname", "attacked");
        var id = NewId("redirect");
        var r = Rt.Run(id, b);
        r.AssertFailure(error);
        Assert.DoesNotContain("attacked", r.Stdout);
        AssertNothingLeaked(id, b);

        // Control: the same symlink to a plain directory is followed (inside the root), and the sysctl is written.
        var c = NewBundle().PrivateRootfs();
        Directory.CreateDirectory(Path.Combine(c.RootfsPath, "mnt/real"));
        File.CreateSymbolicLink(Path.Combine(c.RootfsPath, "mnt/x"), "/mnt/real");
        c.AddMount("/mnt/x", "tmpfs", "tmpfs").Sysctl("kernel.domainname", "attacked");
        string seen = RunShell(c,
            "awk '$5 == \"/mnt/real\" { for (i = 7; i <= NF; i++) if ($i == \"-\") print $(i + 1) }' /proc/self/mountinfo; cat /proc/sys/kernel/domainname");
        Assert.Equal("tmpfs\nattacked\n", seen);
    }

    // ---- proc and sysfs on a dangling symlink ----

    [Theory]
    [InlineData("proc", "/proc")]
    [InlineData("sysfs", "/sys")]
    public void ProcAndSysOnADanglingSymlinkAreRefused(string fs, string dest)
    {
        var b = NewBundle().PrivateRootfs();
        string at = Path.Combine(b.RootfsPath, dest.TrimStart('/'));
        Directory.Delete(at);
        string dangling = Path.Combine(_host, "symlink-target");
        File.CreateSymbolicLink(at, dangling);
        var id = NewId("dangling");
        Rt.Run(id, b).AssertFailure($"filesystem \"{fs}\" must be mounted on ordinary directory");
        AssertNothingLeaked(id, b);
        Assert.False(Path.Exists(dangling), "a directory was made at the symlink's target on the host");
        Assert.False(Path.Exists(Path.Combine(b.RootfsPath, dangling.TrimStart('/'))), "a directory was made at the symlink's target in the rootfs");

        // Control: the same rootfs with a plain directory there works.
        File.Delete(at);
        Directory.CreateDirectory(at);
        Assert.Equal("ok\n", RunShell(b, "test -e /proc/self/status && test -d /sys/kernel && echo ok"));
    }

    // ---- CVE-2026-41579: a symlink in the image's /dev redirecting the devices and /dev symlinks ----

    [TheoryUnlessRunc11("runc 1.1 makes the /dev symlinks by path string")]
    [InlineData(false)]
    [InlineData(true)]
    public void ADevSymlinkOfTheImageNeverRedirectsDeviceSetup(bool relative)
    {
        string target = Path.Combine(_host, "dev");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "ptmx"), "host file\n");

        var b = NewBundle().PrivateRootfs();
        string dev = Path.Combine(b.RootfsPath, "dev");
        Directory.Delete(dev, recursive: true);
        File.CreateSymbolicLink(dev, relative ? "../../../../../../../../../.." + target : target);
        b.RemoveMount("/dev").RemoveMount("/dev/pts").RemoveMount("/dev/shm").RemoveMount("/dev/mqueue");
        string seen = RunShell(b, "test -c /dev/null && test -L /dev/fd && readlink /dev/ptmx");
        Assert.Equal("pts/ptmx\n", seen);

        // Nothing on the host: the marker is untouched and alone.
        Assert.Equal(["ptmx"], Directory.EnumerateFileSystemEntries(target).Select(Path.GetFileName));
        Assert.Equal("host file\n", File.ReadAllText(Path.Combine(target, "ptmx")));

        // Control: with a plain /dev in the image, the same run fills it (so a redirect would have landed there).
        var c = NewBundle().PrivateRootfs();
        c.RemoveMount("/dev").RemoveMount("/dev/pts").RemoveMount("/dev/shm").RemoveMount("/dev/mqueue");
        RunShell(c, "true");
        string cdev = Path.Combine(c.RootfsPath, "dev");
        Assert.Equal("pts/ptmx", new FileInfo(Path.Combine(cdev, "ptmx")).LinkTarget);
        Assert.Equal("/proc/self/fd", new FileInfo(Path.Combine(cdev, "fd")).LinkTarget);
    }

    private string Compile(string name, string source)
    {
        string c = Path.Combine(_host, "..", name + ".c"), exe = Path.Combine(_host, "..", name);
        File.WriteAllText(c, source);
        using var p = StartProcess("/usr/bin/gcc", "-static", "-O2", "-o", exe, c);
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "gcc -static failed: " + p.StandardError.ReadToEnd());
        return exe;
    }

    private static Process StartProcess(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }
}
