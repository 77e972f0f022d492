using System.Text.Json.Nodes;
using Skiff.IntegrationTests.Harness;
using Xunit;
using static Skiff.IntegrationTests.Tests.UserNamespaceTests;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Idmapped bind mounts (runc 1.2): "idmap"/"ridmap" take the container's mapping, a mount's own
/// uidMappings/gidMappings another one; the parent makes the open_tree(2) clone with MOUNT_ATTR_IDMAP and init
/// attaches it. Files show the mapped owners inside, and what the container writes lands with the unmapped ids.
/// </summary>
public sealed class IdmapMountTests : ContainerTest
{
    private const string NoIdmap = "runc 1.1 has no idmapped mounts";

    /// <summary>A host dir (0755, root's) holding "rootfile" (0:0) and "userfile" (1000:1001).</summary>
    private static string Source()
    {
        var host = HostDir("idmap", "755");
        File.WriteAllText(Path.Combine(host, "rootfile"), "r");
        File.WriteAllText(Path.Combine(host, "userfile"), "u");
        BusyboxRootfs.Run("/bin/chown", "1000:1001", Path.Combine(host, "userfile"));
        return host;
    }

    private static JsonObject MountOf(Bundle b, string destination) =>
        (JsonObject)Bundle.Arr(b.Config, "mounts").Last(m => m!["destination"]!.GetValue<string>() == destination)!;

    [FactUnlessRunc11(NoIdmap)]
    public void IdmapShowsFilesAsTheContainerSeesTheHostsIds()
    {
        var host = Source();
        var b = WithUserNs(NewBundle())
            .AddMount("/mnt/a", "bind", host, "bind", "idmap")
            .AddMount("/mnt/b", "bind", host, "bind");
        var output = RunShell(b, "stat -c '%n %u %g' /mnt/a/rootfile /mnt/a/userfile /mnt/b/rootfile /mnt/b/userfile");
        // through the idmapped mount the host's 0 and 1000 are the container's 0 and 1000; without it they
        // are not mapped at all (nobody)
        Assert.Equal("/mnt/a/rootfile 0 0\n/mnt/a/userfile 1000 1001\n/mnt/b/rootfile 65534 65534\n/mnt/b/userfile 65534 65534\n", output);
    }

    [FactUnlessRunc11(NoIdmap)]
    public void WhatTheContainerWritesLandsUnmapped()
    {
        var host = Source();
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "bind", host, "bind", "idmap");
        RunShell(b, "touch /mnt/a/made && mkdir /mnt/a/dir");
        // the container's root is host uid 100000, but through the mount it writes as the filesystem's 0
        Assert.Equal("0 0", StatOwner(Path.Combine(host, "made")));
        Assert.Equal("0 0", StatOwner(Path.Combine(host, "dir")));
    }

    [FactUnlessRunc11(NoIdmap)]
    public void AMountsOwnMappingsAreUsed()
    {
        var host = Source();
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "bind", host, "rbind");
        var m = MountOf(b, "/mnt/a");
        // filesystem 0 -> host 100005 (container 5), filesystem 1000 -> host 100007 (container 7)
        m["uidMappings"] = Maps((0, HostUid + 5, 1), (1000, HostUid + 7, 1));
        m["gidMappings"] = Maps((0, HostGid + 6, 1), (1001, HostGid + 8, 1));
        var output = RunShell(b, "stat -c '%u %g' /mnt/a/rootfile /mnt/a/userfile");
        Assert.Equal("5 6\n7 8\n", output);
    }

    [FactUnlessRunc11(NoIdmap)]
    public void TheMountIsAnIdmappedBindInMountinfo()
    {
        var host = Source();
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "bind", host, "bind", "idmap", "ro");
        var output = RunShell(b, "grep ' /mnt/a ' /proc/self/mountinfo; touch /mnt/a/x 2>/dev/null || echo ro");
        Assert.Contains("idmapped", output);
        Assert.EndsWith("ro\n", output);
    }

    [FactUnlessRunc11(NoIdmap)]
    public void IdmapIsForBindMountsOnly()
    {
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "tmpfs", "tmpfs", "idmap");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("id-mapped mounts are only supported for bind-mounts");
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11(NoIdmap)]
    public void AMountWithOnlyUidMappingsFails()
    {
        var b = WithUserNs(NewBundle()).AddMount("/mnt/a", "bind", Source(), "bind");
        MountOf(b, "/mnt/a")["uidMappings"] = Maps((0, HostUid, 1));
        var id = NewId();
        Rt.Run(id, b).AssertFailure("id-mapped mounts must have both uid and gid mappings specified");
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11(NoIdmap)]
    public void AMissingSourceFailsCleanly()
    {
        var b = WithUserNs(NewBundle())
            .AddMount("/mnt/a", "bind", Path.Combine(RepoPaths.TempRoot, "no-such-dir"), "bind", "idmap");
        var id = NewId();
        Rt.Run(id, b).AssertFailure("open_tree(OPEN_TREE_CLONE)");
        AssertNothingLeaked(id, b);
    }
}
