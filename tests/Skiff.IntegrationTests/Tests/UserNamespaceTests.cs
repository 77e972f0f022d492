using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// linux.namespaces "user" with uidMappings/gidMappings: the container's root is an unprivileged id on the host,
/// seen from /proc/PID/status and from the owner of files it makes in a bind mount; inside it is root, /proc is its
/// own, devices are bind-mounted from the host; a joined user namespace; bad mappings fail cleanly.
/// </summary>
public sealed class UserNamespaceTests : ContainerTest
{
    internal const uint HostUid = 100000, HostGid = 200000, Size = 65536;

    internal static JsonArray Maps(params (uint Container, uint Host, uint Size)[] maps) =>
        new(maps.Select(m => (JsonNode?)new JsonObject
        {
            ["containerID"] = m.Container, ["hostID"] = m.Host, ["size"] = m.Size,
        }).ToArray());

    /// <summary>A new user namespace mapping 0..65535 to 100000.. (uids) and 200000.. (gids).</summary>
    internal static Bundle WithUserNs(Bundle b)
    {
        b.AddNamespace("user");
        b.Linux["uidMappings"] = Maps((0, HostUid, Size));
        b.Linux["gidMappings"] = Maps((0, HostGid, Size));
        return b;
    }

    /// <summary>The "Uid:"/"Gid:" line of /proc/PID/status as its four numbers.</summary>
    internal static string[] StatusIds(int pid, string field) =>
        HostProc.Status(pid).Split('\n').First(l => l.StartsWith(field + ":", StringComparison.Ordinal))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1..];

    internal static string StatOwner(string path) => BusyboxRootfs.Run("/usr/bin/stat", "-c", "%u %g", path).Trim();

    internal static string HostDir(string prefix, string mode = "777")
    {
        var dir = Path.Combine(RepoPaths.TempRoot, prefix + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        BusyboxRootfs.Run("/bin/chmod", mode, dir);
        return dir;
    }

    private static string Squash(string s) =>
        string.Join('\n', s.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => string.Join(' ', l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))));

    [Fact]
    public void TheContainersRootIsTheMappedIdOnTheHost()
    {
        var b = WithUserNs(NewBundle("sleep", "100"));
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal(["100000", "100000", "100000", "100000"], StatusIds(pid, "Uid"));
        Assert.Equal(["200000", "200000", "200000", "200000"], StatusIds(pid, "Gid"));
        Assert.NotEqual(HostProc.Namespace(Environment.ProcessId, "user"), HostProc.Namespace(pid, "user"));
        // the exec fifo was opened by the mapped root: it belongs to it (runc chowns it)
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void TheExecFifoBelongsToTheMappedRoot()
    {
        var b = WithUserNs(NewBundle("true"));
        var id = NewId();
        Rt.Create(id, b).AssertSuccess();
        Assert.Equal("100000 200000", StatOwner(Path.Combine(Rt.Root, id, "exec.fifo")));
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void InsideItIsRootWithTheMapsAsGiven()
    {
        var output = RunShell(WithUserNs(NewBundle()),
            "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; grep -E '^(Uid|Gid):' /proc/self/status");
        Assert.Equal("0\n0\n0 100000 65536\n0 200000 65536\nUid: 0 0 0 0\nGid: 0 0 0 0", Squash(output));
    }

    [Fact]
    public void AProcessUserIsMappedToo()
    {
        var b = WithUserNs(NewBundle("sleep", "100")).User(1000, 1001);
        var id = NewId();
        Rt.CreateAndStart(id, b);
        var pid = Rt.State(id)["pid"]!.GetValue<int>();
        Assert.Equal("101000", StatusIds(pid, "Uid")[0]);
        Assert.Equal("201001", StatusIds(pid, "Gid")[0]);
        Rt.Delete(id, force: true).AssertSuccess();
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void FilesInABindMountShowTheMapping()
    {
        var host = HostDir("userns-bind");
        File.WriteAllText(Path.Combine(host, "hostfile"), "x");
        BusyboxRootfs.Run("/bin/chown", "100005:200007", Path.Combine(host, "hostfile"));
        File.WriteAllText(Path.Combine(host, "rootfile"), "x"); // owned by the host's root: not mapped
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "bind", host, "bind");
        var output = RunShell(b, "stat -c '%u %g' /mnt/a/hostfile /mnt/a/rootfile; touch /mnt/a/made");
        Assert.Equal("5 7\n65534 65534\n", output);
        Assert.Equal("100000 200000", StatOwner(Path.Combine(host, "made")));
    }

    [FactUnlessRunc11("runc 1.1 cannot bind a source the mapped root cannot reach")]
    public void ABindSourceTheContainerCannotReachIsOpenedByTheParent()
    {
        // as runc's userns.bats "userns with inaccessible mount source": the mapped root may not look into the
        // 0750 parent, so the parent opens the source and init mounts that fd (procMountPlease, plain-open)
        var outer = HostDir("userns-inaccessible", "750");
        var source = Path.Combine(outer, "dir");
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "file"), "content\n");
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "bind", source, "bind");
        Assert.Equal("content\n", RunShell(b, "cat /mnt/a/file"));
    }

    [Fact]
    public void ProcBelongsToTheContainer()
    {
        var output = RunShell(WithUserNs(NewBundle()), "stat -c '%u %g' /proc/1 /proc/self/status; echo $$");
        Assert.Equal("0 0\n0 0\n1\n", output);
    }

    [Fact]
    public void DevicesAreBoundFromTheHost()
    {
        // mknod is refused in a user namespace: the nodes are bind mounts of the host's, and they work
        var output = RunShell(WithUserNs(NewBundle()),
            "echo x > /dev/null && head -c 3 /dev/zero | od -An -tx1 && stat -c '%t,%T' /dev/null && " +
            "grep -c ' /dev/null ' /proc/self/mountinfo");
        Assert.Equal("00 00 00\n1,3\n1\n", Squash(output) + "\n");
    }

    [Fact]
    public void AUserNamespaceCanBeJoined()
    {
        var first = WithUserNs(NewBundle("sleep", "100"));
        var a = NewId("a");
        Rt.CreateAndStart(a, first);
        var pidA = Rt.State(a)["pid"]!.GetValue<int>();

        // with the namespace's own maps: runc 1.1 requires them, runc 1.2 accepts them when they match
        var second = WithUserNs(NewBundle("sleep", "100")).AddNamespace("user", $"/proc/{pidA}/ns/user");
        var b = NewId("b");
        Rt.CreateAndStart(b, second);
        var pidB = Rt.State(b)["pid"]!.GetValue<int>();
        Assert.Equal(HostProc.Namespace(pidA, "user"), HostProc.Namespace(pidB, "user"));
        Assert.Equal("100000", StatusIds(pidB, "Uid")[0]);

        Rt.Delete(b, force: true).AssertSuccess();
        Rt.Delete(a, force: true).AssertSuccess();
        AssertNothingLeaked(a, first);
        AssertNothingLeaked(b, second);
    }

    [FactUnlessRunc11("runc 1.1 requires the mappings of a joined user namespace to be repeated")]
    public void AJoinedUserNamespaceNeedsNoMappings()
    {
        var first = WithUserNs(NewBundle("sleep", "100"));
        var a = NewId("a");
        Rt.CreateAndStart(a, first);
        var pidA = Rt.State(a)["pid"]!.GetValue<int>();

        var second = NewBundle("sleep", "100").AddNamespace("user", $"/proc/{pidA}/ns/user");
        var b = NewId("b");
        Rt.Create(b, second).AssertSuccess();
        // the joined namespace's root opens the fifo: runc chowns it by the namespace's own maps
        Assert.Equal("100000 200000", StatOwner(Path.Combine(Rt.Root, b, "exec.fifo")));
        Rt.Start(b).AssertSuccess();
        Assert.Equal("100000", StatusIds(Rt.State(b)["pid"]!.GetValue<int>(), "Uid")[0]);

        Rt.Delete(b, force: true).AssertSuccess();
        Rt.Delete(a, force: true).AssertSuccess();
        AssertNothingLeaked(a, first);
        AssertNothingLeaked(b, second);
    }

    [FactUnlessRunc11("runc 1.1 accepts any mappings with a joined user namespace")]
    public void AJoinedUserNamespaceWithOtherMappingsFails()
    {
        var first = WithUserNs(NewBundle("sleep", "100"));
        var a = NewId("a");
        Rt.CreateAndStart(a, first);
        var pidA = Rt.State(a)["pid"]!.GetValue<int>();

        var second = WithUserNs(NewBundle()).AddNamespace("user", $"/proc/{pidA}/ns/user");
        second.Linux["uidMappings"] = Maps((0, 300000, Size));
        var b = NewId("b");
        Rt.Run(b, second).AssertFailure(
            "user namespaces enabled, but both namespace path and non-matching mapping specified -- you may only provide one");
        Rt.Delete(a, force: true).AssertSuccess();
        AssertNothingLeaked(a, first);
        AssertNothingLeaked(b, second);
    }

    [Fact]
    public void OverlappingMappingsFailCleanly()
    {
        var b = WithUserNs(NewBundle());
        b.Linux["uidMappings"] = Maps((0, HostUid, 1000), (500, 300000, 1000));
        var id = NewId();
        var r = Rt.Run(id, b).AssertFailure();
        if (!RepoPaths.IsRunc) r.AssertFailure("invalid uidMappings: container ids of {containerID: 0, hostID: 100000, size: 1000} and {containerID: 500, hostID: 300000, size: 1000} overlap");
        else r.AssertFailure("uid_map");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void OverlappingHostIdsFailCleanly()
    {
        var b = WithUserNs(NewBundle());
        b.Linux["gidMappings"] = Maps((0, HostGid, 10), (10, HostGid + 5, 10));
        var id = NewId();
        Rt.Run(id, b).AssertFailure(RepoPaths.IsRunc ? "gid_map" : "invalid gidMappings: host ids of");
        AssertNothingLeaked(id, b);
    }

    [Fact]
    public void AUserNamespaceWithoutMappingsFails()
    {
        var b = NewBundle().AddNamespace("user");
        var id = NewId();
        // runc 1.1 capitalises "User"
        Rt.Run(id, b).AssertFailure("namespaces enabled, but no uid mappings found");
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 says \"User namespaces enabled, but no user mapping found.\"")]
    public void AnUnmappedRootFails()
    {
        var b = WithUserNs(NewBundle());
        b.Linux["uidMappings"] = Maps((1, HostUid, 10));
        var id = NewId();
        Rt.Run(id, b).AssertFailure("user namespaces enabled, but no mapping found for uid 0");
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("runc 1.1 capitalises \"User namespace mappings ... USER namespace\"")]
    public void MappingsWithoutAUserNamespaceFail()
    {
        var b = WithUserNs(NewBundle()).RemoveNamespace("user");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("user namespace mappings specified, but user namespace isn't enabled in the config");
        AssertNothingLeaked(id, b);
    }
}
