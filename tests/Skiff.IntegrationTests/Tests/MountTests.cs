using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>spec mounts, checked from the container's /proc/self/mountinfo.</summary>
public sealed class MountTests : ContainerTest
{
    /// <summary>One parsed mountinfo line.</summary>
    private sealed record MountInfo(string Root, string MountPoint, string[] Options, string FsType, string Source, string[] SuperOptions);

    private static List<MountInfo> Parse(string mountinfo)
    {
        var list = new List<MountInfo>();
        foreach (var line in mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            var pre = line[..sep].Split(' ');
            var post = line[(sep + 3)..].Split(' ');
            list.Add(new MountInfo(Leaks.Unoctal(pre[3]), Leaks.Unoctal(pre[4]), pre[5].Split(','), post[0], post[1], post.Length > 2 ? post[2].Split(',') : []));
        }
        return list;
    }

    private List<MountInfo> MountsInside(Bundle b) => Parse(RunShell(b, "cat /proc/self/mountinfo"));

    [Fact]
    public void TheDefaultMountsArePresent()
    {
        var mounts = MountsInside(NewBundle());
        Assert.Equal("proc", mounts.Last(m => m.MountPoint == "/proc").FsType);
        Assert.Equal("tmpfs", mounts.Last(m => m.MountPoint == "/dev").FsType);
        Assert.Equal("devpts", mounts.Last(m => m.MountPoint == "/dev/pts").FsType);
        Assert.Equal("tmpfs", mounts.Last(m => m.MountPoint == "/dev/shm").FsType);
        Assert.Equal("mqueue", mounts.Last(m => m.MountPoint == "/dev/mqueue").FsType);
        Assert.Equal("sysfs", mounts.Last(m => m.MountPoint == "/sys").FsType);
        var root = mounts.Last(m => m.MountPoint == "/");
        Assert.Contains("ro", root.Options);
    }

    [Fact]
    public void ATmpfsGetsItsSizeAndMode()
    {
        var b = NewBundle().AddMount("/mnt/a", "tmpfs", "tmpfs", "size=1m", "mode=700", "nosuid", "nodev", "noexec");
        var mounts = MountsInside(b);
        var m = mounts.Last(x => x.MountPoint == "/mnt/a");
        Assert.Equal("tmpfs", m.FsType);
        Assert.Contains("size=1024k", m.SuperOptions);
        Assert.Contains("mode=700", m.SuperOptions);
        Assert.Contains("nosuid", m.Options);
        Assert.Contains("nodev", m.Options);
        Assert.Contains("noexec", m.Options);
        Assert.Contains("rw", m.Options);
    }

    [Fact]
    public void AReadOnlyBindMountIsReadOnly()
    {
        var host = Path.Combine(RepoPaths.TempRoot, "bind-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(host);
        File.WriteAllText(Path.Combine(host, "file"), "from the host\n");
        try
        {
            var b = NewBundle().AddMount("/mnt/b", "bind", host, "rbind", "ro");
            var output = RunShell(b, "cat /mnt/b/file; touch /mnt/b/new 2>/dev/null && echo writable || echo readonly; grep ' /mnt/b ' /proc/self/mountinfo");
            var lines = output.Split('\n');
            Assert.Equal("from the host", lines[0]);
            Assert.Equal("readonly", lines[1]);
            Assert.Contains("ro", Parse(lines[2]).Single().Options);
            Assert.False(File.Exists(Path.Combine(host, "new")));
        }
        finally
        {
            Runtime.TryDelete(host);
        }
    }

    [Fact]
    public void AWritableBindMountWritesThrough()
    {
        var host = Path.Combine(RepoPaths.TempRoot, "bind-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(host);
        try
        {
            var b = NewBundle().AddMount("/mnt/c", "bind", host, "bind", "rw");
            RunShell(b, "echo written > /mnt/c/out");
            Assert.Equal("written\n", File.ReadAllText(Path.Combine(host, "out")));
        }
        finally
        {
            Runtime.TryDelete(host);
        }
    }

    [Fact]
    public void AMountPointMissingInTheRootfsIsCreated()
    {
        var b = NewBundle().AddMount("/new/dir/mnt", "tmpfs", "tmpfs");
        Assert.True(b.HasPrivateRootfs);
        var mounts = MountsInside(b);
        Assert.Contains(mounts, m => m.MountPoint == "/new/dir/mnt" && m.FsType == "tmpfs");
    }

    [Fact]
    public void ABindMountOfAFileWorks()
    {
        var file = Path.Combine(RepoPaths.TempRoot, "file-" + Guid.NewGuid().ToString("N")[..8]);
        File.WriteAllText(file, "single file\n");
        try
        {
            var b = NewBundle().AddMount("/etc/extra.conf", "bind", file, "bind", "ro");
            Assert.Equal("single file\n", RunShell(b, "cat /etc/extra.conf"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void TheContainersMountsAreNotVisibleOnTheHost()
    {
        var b = NewBundle("sleep", "100").AddMount("/mnt/a", "tmpfs", "tmpfs");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        // mount points (field 5) in or at the rootfs: the mount *roots* may name it for other reasons (a concurrent
        // restore's criu-root is a bind mount of the shared rootfs in the state dir, as runc's)
        var points = File.ReadAllLines("/proc/self/mountinfo").Select(l => Leaks.Unoctal(l.Split(' ')[4])).ToList();
        Assert.DoesNotContain(points, p => p == b.RootfsPath || p.StartsWith(b.RootfsPath + "/", StringComparison.Ordinal));
        Assert.Contains(points, p => p == "/proc"); // the control: the host's own mount points are read
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }
}
