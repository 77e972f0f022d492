using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>Mount attributes of runc 1.2+ (issue 15 item 6, issue 11 item 8): recursive atime options, root
/// propagation, tmpfs modes, the shared directory mask, tmpcopyup.</summary>
public sealed class MountAttrTests : ContainerTest
{
    [Theory]
    [InlineData("rnoatime", "noatime")]
    [InlineData("rnodiratime", "nodiratime")]
    public void RecursiveAtimeOptionsReachEverySubmount(string option, string shown)
    {
        // /sys of the host has submounts (fs/cgroup, kernel/...): an rbind of it carries them along.
        var b = NewBundle().AddMount("/mnt/a", "bind", "/sys", "rbind", "ro", option);
        var mounts = MountInfo.Under(RunShell(b, "cat /proc/self/mountinfo"), "/mnt/a");
        Assert.True(mounts.Count > 1, "the rbind of /sys brought no submounts");
        Assert.All(mounts, m => Assert.Contains(shown, m.Options));
    }

    [Fact]
    public void RecursiveStrictatimeClearsNoatimeOnEverySubmount()
    {
        var b = NewBundle().AddMount("/mnt/a", "bind", "/sys", "rbind", "ro", "rnoatime", "rstrictatime");
        var mounts = MountInfo.Under(RunShell(b, "cat /proc/self/mountinfo"), "/mnt/a");
        Assert.True(mounts.Count > 1);
        Assert.All(mounts, m => Assert.DoesNotContain("noatime", m.Options));
        Assert.All(mounts, m => Assert.DoesNotContain("relatime", m.Options));
    }

    [FactUnlessRunc11("runc 1.1 cannot make the container's root shared (runc PR #4724)")]
    public void RootfsPropagationSharedMakesTheRootShared()
    {
        var b = NewBundle().Edit(c => Bundle.Obj(c, "linux")["rootfsPropagation"] = "shared");
        string line = RunShell(b, "awk '$5 == \"/\"' /proc/self/mountinfo");
        Assert.Contains("shared:", line);
    }

    [Fact]
    public void RootfsPropagationUnbindableMakesTheRootUnbindable()
    {
        var b = NewBundle().Edit(c => Bundle.Obj(c, "linux")["rootfsPropagation"] = "unbindable");
        string line = RunShell(b, "awk '$5 == \"/\"' /proc/self/mountinfo");
        Assert.Contains("unbindable", line);
    }

    [Fact]
    public void ATmpfsTakesTheModeOfAnExistingDirectoryOnly()
    {
        var b = NewBundle().PrivateRootfs();
        Directory.CreateDirectory(Path.Combine(b.RootfsPath, "mnt/existing"));
        File.SetUnixFileMode(Path.Combine(b.RootfsPath, "mnt/existing"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        b.AddMount("/mnt/existing", "tmpfs", "tmpfs").AddMount("/mnt/new/t", "tmpfs", "tmpfs");
        Assert.Equal("750\n1777\n", RunShell(b, "stat -c %a /mnt/existing /mnt/new/t"));
    }

    [FactUnlessRunc11("runc 1.1 mounts a tmpfs per masked directory")]
    public void DirectoryMaskedPathsShareOneReadOnlyTmpfs()
    {
        var b = NewBundle().MaskedPaths("/sys/firmware", "/sys/kernel/debug", "/proc/keys");
        var info = RunShell(b, "cat /proc/self/mountinfo");
        var fw = MountInfo.Under(info, "/sys/firmware").Single(m => m.Point == "/sys/firmware");
        var dbg = MountInfo.Under(info, "/sys/kernel/debug").Last(m => m.Point == "/sys/kernel/debug");
        Assert.Equal("tmpfs", fw.FsType);
        Assert.Equal(fw.MajMin, dbg.MajMin);
        Assert.Contains("ro", fw.Options);
        Assert.Contains("ro", dbg.Options);
    }

    [Fact]
    public void TmpcopyupCopiesTheDirectoryIntoTheTmpfs()
    {
        var b = NewBundle().PrivateRootfs();
        string data = Path.Combine(b.RootfsPath, "mnt/data");
        Directory.CreateDirectory(Path.Combine(data, "sub"));
        File.WriteAllText(Path.Combine(data, "a"), "file a\n");
        File.WriteAllText(Path.Combine(data, "sub/b"), "file b\n");
        File.SetUnixFileMode(Path.Combine(data, "sub/b"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.CreateSymbolicLink(Path.Combine(data, "l"), "a");
        b.AddMount("/mnt/data", "tmpfs", "tmpfs", "tmpcopyup", "size=1m");
        string seen = RunShell(b,
            "awk '$5 == \"/mnt/data\" { for (i = 7; i <= NF; i++) if ($i == \"-\") print $(i + 1) }' /proc/self/mountinfo; " +
            "cat /mnt/data/a /mnt/data/sub/b; readlink /mnt/data/l; stat -c %a /mnt/data/sub/b; echo new > /mnt/data/new && echo written");
        Assert.Equal("tmpfs\nfile a\nfile b\na\n600\nwritten\n", seen);
        // The writes went to the tmpfs, not to the directory under it.
        Assert.False(File.Exists(Path.Combine(data, "new")));
    }

    /// <summary>
    /// A hostile image can hold a sparse file: a few bytes on disk, any size. tmpcopyup copies it into a tmpfs, which is
    /// memory; copied byte by byte its holes would become that many bytes of zeros (16 GiB here, filling the host's
    /// memory up to the tmpfs's size). Holes stay holes: the 1 MiB tmpfs takes the 16 GiB file, whose data (a marker at
    /// its end) is where it was. Skiff only: runc 1.1.5 copies the zeros and fails here with ENOSPC.
    /// </summary>
    [SkiffFact]
    public void TmpcopyupKeepsTheHolesOfASparseFile()
    {
        const long size = 16L << 30;
        var b = NewBundle().PrivateRootfs();
        string data = Path.Combine(b.RootfsPath, "mnt/data");
        Directory.CreateDirectory(data);
        string big = Path.Combine(data, "big");
        using (var f = new FileStream(big, FileMode.CreateNew, FileAccess.Write))
        {
            f.SetLength(size);
            f.Seek(size - 7, SeekOrigin.Begin);
            f.Write("marker\n"u8);
        }
        // control: the attack file is 16 GiB long and takes almost nothing on the disk
        var st = HostStat(big);
        Assert.Equal(size, st.Size);
        Assert.True(st.Blocks * 512 < 1 << 20, $"the image's sparse file takes {st.Blocks * 512} bytes on disk");
        b.AddMount("/mnt/data", "tmpfs", "tmpfs", "tmpcopyup", "size=1m");
        string seen = RunShell(b, "stat -c %s /mnt/data/big; tail -c 7 /mnt/data/big; df -k /mnt/data | awk 'NR == 2 { print ($3 < 1024) }'");
        Assert.Equal($"{size}\nmarker\n1\n", seen);
    }

    private static (long Size, long Blocks) HostStat(string path)
    {
        var r = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%s %b", path]) { RedirectStandardOutput = true })!;
        string[] f = r.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.TrimEntries);
        r.WaitForExit();
        return (long.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}
