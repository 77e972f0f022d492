using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// A container's image, or its root, against `skiff exec`, whose init joins the container's mount namespace before
/// it runs: what it reads or stats by path there is the container's. Each attack has a control showing the planted
/// thing is what the container sees; each reproduced the attack against the previous binary.
/// </summary>
public sealed class ExecAttackTests : ContainerTest
{
    private static string HostStatus(int pid, string field) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split('\t', 2)[1].Trim();

    /// <summary>A container without a procfs at /proc: there the image's own /proc directory is what paths reach.</summary>
    private Bundle NoProcfs(params string[] args) =>
        NewBundle(args).PrivateRootfs().RemoveMount("/proc").MaskedPaths().ReadonlyPaths();

    [FactUnlessRunc11("runc 1.1 refuses a container without a procfs at /proc")]
    public void AFakeCapLastCapDoesNotWidenAnExecsBoundingSet()
    {
        void Plant(Bundle b)
        {
            string dir = Path.Combine(b.RootfsPath, "proc", "sys", "kernel");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "cap_last_cap"), "1\n");
        }

        // Control: such a container reads the image's cap_last_cap.
        var control = NoProcfs("cat", "/proc/sys/kernel/cap_last_cap");
        Plant(control);
        Assert.Equal("1\n", Rt.Run(NewId(), control).AssertSuccess().Stdout);

        // The attack: before, exec's init took the highest cap to be 1 and dropped only caps 0 and 1 from the
        // bounding set; the exec'd process kept SYS_ADMIN, SYS_MODULE and the rest (noNewPrivileges is off).
        var b = NoProcfs("sleep", "100");
        b.NoNewPrivileges(false);
        Plant(b);
        string id = NewId();
        Rt.CreateAndStart(id, b);
        int init = Rt.State(id)["pid"]!.GetValue<int>();
        string pidFile = Path.Combine(b.Dir, "exec.pid");
        Rt.Exec("exec", "-d", "--pid-file", pidFile, id, "sleep", "100").AssertSuccess();
        int exec = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.Equal(HostStatus(init, "CapBnd"), HostStatus(exec, "CapBnd"));
        Assert.Equal(HostStatus(init, "CapEff"), HostStatus(exec, "CapEff"));
        Rt.Exec("delete", "--force", id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 refuses a container without a procfs at /proc")]
    public void AnExecsRuntimeStartsOutsideTheContainersFiles()
    {
        // The .NET runtime reads /proc/self/mountinfo, /proc/meminfo and more as it starts. Planted as fifos where a
        // container has no procfs, they hung an exec whose init had joined the container's mount namespace before
        // its runtime started; now init joins it once its runtime runs.
        var b = NoProcfs("sleep", "100");
        foreach (string f in new[] { "self/mountinfo", "self/cgroup", "meminfo" })
        {
            string path = Path.Combine(b.RootfsPath, "proc", f);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            BusyboxRootfs.Run("/usr/bin/mkfifo", path);
        }
        string id = NewId();
        Rt.CreateAndStart(id, b);
        // Control: the container sees the fifos.
        Assert.Equal("fifo\n", Rt.Exec(["exec", id, "sh", "-c", "test -p /proc/self/mountinfo && test -p /proc/meminfo && echo fifo"],
            timeout: TimeSpan.FromSeconds(20)).AssertSuccess().Stdout);
        // and the exec'd process runs in the container's mount namespace, from its root
        Assert.Equal("/\n", Rt.Exec(["exec", "--cwd", "/", id, "pwd"], timeout: TimeSpan.FromSeconds(20)).AssertSuccess().Stdout);
        Rt.Exec("delete", "--force", id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AnExecsNullDeviceStdinKeepsItsOwnerWhenTheContainersDevNullIsAFile()
    {
        var b = NewBundle("sleep", "100");
        string id = NewId();
        Rt.CreateAndStart(id, b);
        // a null device node of the test's own (never the host's /dev/null), as an exec's stdin
        string node = Path.Combine(b.Dir, "null-node");
        using (var mknod = Process.Start("/usr/bin/mknod", ["-m", "666", node, "c", "1", "3"])!) mknod.WaitForExit();
        Assert.Equal(0, HostUid(node));

        int ExecAs1000()
        {
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
            foreach (string a in (string[])["-c", "exec \"$@\" <\"$0\" >/dev/null", node, Rt.Binary, "--root", Rt.Root,
                         "exec", "--user", "1000:1000", id, "true"])
                psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, err);
            return HostUid(node);
        }

        // Control: with the container's /dev/null a null device, the node's owner stays (before, too).
        Assert.Equal(0, ExecAs1000());
        // The container's root replaces its /dev/null with a file ...
        Assert.Equal("file\n", Rt.Exec("exec", id, "sh", "-c", "rm /dev/null && touch /dev/null && test -f /dev/null && echo file")
            .AssertSuccess().Stdout);
        // ... and before, the next exec's init, no longer recognising the stdin node as a null device, gave it to
        // uid 1000 (with the host's /dev/null as stdin, the host's node).
        Assert.Equal(0, ExecAs1000());

        Rt.Exec("delete", "--force", id).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    private static int HostUid(string path)
    {
        var psi = new ProcessStartInfo("/usr/bin/stat", ["-c", "%u", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string s = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return int.Parse(s);
    }
}
