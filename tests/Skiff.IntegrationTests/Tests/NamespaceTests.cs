using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>Namespaces created, shared and joined, seen from the host's /proc/&lt;pid&gt;/ns.</summary>
public sealed class NamespaceTests : ContainerTest
{
    private static readonly string[] s_created = ["pid", "net", "ipc", "uts", "mnt"];

    [Fact]
    public void TheDefaultNamespacesDifferFromTheHosts()
    {
        var b = NewBundle("sleep", "100");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        foreach (var ns in s_created)
        {
            var mine = HostProc.Namespace(Environment.ProcessId, ns);
            var theirs = HostProc.Namespace(pid, ns);
            Assert.NotNull(theirs);
            Assert.NotEqual(mine, theirs);
        }
        Assert.Equal(HostProc.Namespace(Environment.ProcessId, "user"), HostProc.Namespace(pid, "user"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TheProcessIsPid1InsideItsPidNamespace()
    {
        Assert.Equal("1\n", RunShell(NewBundle(), "echo $$"));
    }

    [Fact]
    public void OnlyTheContainersProcessesAreVisible()
    {
        // /proc belongs to the new pid namespace: sh is pid 1 and alone (echo is a builtin: no fork).
        Assert.Equal("/proc/1\n", RunShell(NewBundle(), "echo /proc/[0-9]*"));
    }

    [Fact]
    public void ANamespaceLeftOutIsTheHosts()
    {
        var b = NewBundle("sleep", "100").RemoveNamespace("network").RemoveNamespace("ipc");
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(HostProc.Namespace(Environment.ProcessId, "net"), HostProc.Namespace(pid, "net"));
        Assert.Equal(HostProc.Namespace(Environment.ProcessId, "ipc"), HostProc.Namespace(pid, "ipc"));
        Assert.NotEqual(HostProc.Namespace(Environment.ProcessId, "uts"), HostProc.Namespace(pid, "uts"));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void ANamespacePathIsJoined()
    {
        var first = NewBundle("sleep", "100");
        var a = NewId("a");
        Rt.CreateAndStart(a, first);
        var pidA = Rt.State(a)["pid"]!.GetValue<int>();

        var second = NewBundle("sleep", "100")
            .AddNamespace("network", $"/proc/{pidA}/ns/net")
            .AddNamespace("uts", $"/proc/{pidA}/ns/uts");
        second.Config.Remove("hostname");
        var b = NewId("b");
        Rt.CreateAndStart(b, second);
        var pidB = Rt.State(b)["pid"]!.GetValue<int>();
        Assert.Equal(HostProc.Namespace(pidA, "net"), HostProc.Namespace(pidB, "net"));
        Assert.Equal(HostProc.Namespace(pidA, "uts"), HostProc.Namespace(pidB, "uts"));
        Assert.NotEqual(HostProc.Namespace(pidA, "pid"), HostProc.Namespace(pidB, "pid"));

        Rt.Delete(b, force: true).AssertSuccess();
        Rt.Delete(a, force: true).AssertSuccess();
        AssertNothingLeaked(a, first);
        AssertNothingLeaked(b, second);
    }

    /// <summary>A namespace path that does not exist fails the run with the path and the reason, once, and leaves
    /// nothing (skiff's init joins a network namespace by path itself, after nsexec kept it: nsexec.c, speculate).</summary>
    [Fact]
    public void ANamespacePathThatDoesNotExistFailsTheRun()
    {
        var b = NewBundle("true").AddNamespace("network", "/proc/2147483646/ns/net");
        var id = NewId();
        var r = Rt.Run(id, b).AssertFailure("/proc/2147483646/ns/net: no such file or directory");
        Assert.Single(r.Stderr.Split('\n'), l => l.Contains("level=error", StringComparison.Ordinal));
        AssertNothingLeaked(id, b);
    }

    [TheoryUnlessRunc11("runc 1.1 has no time namespace")]
    [InlineData(false)]
    [InlineData(true)]
    public void ATimeNamespaceCarriesItsOffsets(bool userns)
    {
        // Without a user namespace nsexec's stage 0 unshares and writes its own timens_offsets; with one, stage 1
        // unshares and stage 0 writes them from outside. Inside, /proc/uptime is boot time plus the offset.
        const long bootOffset = 172800;
        var b = NewBundle().AddNamespace("time");
        if (userns) UserNamespaceTests.WithUserNs(b);
        b.Linux["timeOffsets"] = JsonNode.Parse("""{"monotonic":{"secs":86400,"nanosecs":0},"boottime":{"secs":172800,"nanosecs":0}}""");
        double hostUptime = Uptime(File.ReadAllText("/proc/uptime"));
        var lines = RunShell(b, "cat /proc/self/timens_offsets; cat /proc/uptime").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["monotonic", "86400", "0"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["boottime", "172800", "0"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        double inside = Uptime(lines[2]);
        Assert.InRange(inside, hostUptime + bootOffset, hostUptime + bootOffset + 60);

        // control: the same namespace without offsets shows the host's uptime
        var plain = NewBundle().AddNamespace("time");
        if (userns) UserNamespaceTests.WithUserNs(plain);
        double plainUptime = Uptime(RunShell(plain, "cat /proc/uptime"));
        Assert.InRange(plainUptime, hostUptime, hostUptime + 60);
    }

    private static double Uptime(string procUptime) =>
        double.Parse(procUptime.Split(' ')[0], CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ACgroupNamespaceHidesTheHostPath(bool userns)
    {
        // init unshares it once the parent has put it in its cgroup: rooted there, every path reads "/"
        var b = NewBundle().AddNamespace("cgroup");
        if (userns) UserNamespaceTests.WithUserNs(b);
        var output = RunShell(b, "cat /proc/self/cgroup");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.EndsWith(":/", line);
        }
    }
}
