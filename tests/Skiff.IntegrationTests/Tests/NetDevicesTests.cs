using System.Diagnostics;
using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// linux.netDevices (runtime-spec 1.3, runc 1.4): a link the test makes on the host with `ip link add … type dummy`
/// (tests may use ip; the runtime may not) is moved into the container's network namespace, renamed, keeps its
/// permanent global addresses and is up; it is gone from the host while the container lives, and destroyed with
/// the namespace. This kernel has no dummy driver: then the test uses ifb, or one end of a veth pair (both are
/// virtual links destroyed with their namespace, as a dummy is).
/// </summary>
public sealed class NetDevicesTests : ContainerTest
{
    private readonly List<string> _links = [];

    public override void Dispose()
    {
        foreach (string link in _links) Ip("link", "del", link);
        base.Dispose();
    }

    /// <summary>Runs ip on the host; returns (exit code, stdout+stderr).</summary>
    private static (int Code, string Output) Ip(params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    private static void IpOk(params string[] args)
    {
        var (code, output) = Ip(args);
        Assert.True(code == 0, $"ip {string.Join(' ', args)}: {output}");
    }

    private static bool HostHasLink(string name) => Ip("link", "show", "dev", name).Code == 0;

    /// <summary>A fresh virtual link on the host: dummy, else ifb, else a veth pair (its peer stays on the host).</summary>
    private string NewHostLink()
    {
        string name = "skt" + Guid.NewGuid().ToString("N")[..8];
        _links.Add(name);
        if (Ip("link", "add", name, "type", "dummy").Code == 0) return name;
        if (Ip("link", "add", name, "type", "ifb").Code == 0) return name;
        IpOk("link", "add", name, "type", "veth", "peer", "name", name + "p");
        _links.Add(name + "p");
        return name;
    }

    private Bundle WithNetDevices(Bundle b, string hostName, string? containerName) => b.Edit(c =>
    {
        var dev = new System.Text.Json.Nodes.JsonObject();
        if (containerName is not null) dev["name"] = containerName;
        Bundle.Obj(c, "linux")["netDevices"] = new System.Text.Json.Nodes.JsonObject { [hostName] = dev };
    });

    [FactUnlessRunc11("netDevices: runc 1.4")]
    public void ALinkIsMovedRenamedAddressedAndUp()
    {
        string link = NewHostLink();
        IpOk("addr", "add", "192.0.2.7/24", "dev", link);
        IpOk("-6", "addr", "add", "2001:db8::7/64", "dev", link, "nodad");
        // neither of these may follow: one is link-scoped, the other has a lifetime (not permanent)
        IpOk("addr", "add", "10.99.0.1/16", "scope", "link", "dev", link);
        IpOk("addr", "add", "198.51.100.7/24", "dev", link, "valid_lft", "300", "preferred_lft", "300");
        IpOk("link", "set", link, "up");

        var b = WithNetDevices(NewBundle("sleep", "100"), link, "ctr0");
        var id = NewId("nd");
        Rt.CreateAndStart(id, b).AssertSuccess();
        Assert.False(HostHasLink(link), $"{link} is still on the host");

        var inside = Rt.Exec("exec", id, "sh", "-c", "cat /sys/class/net/ctr0/flags; ip -o addr show dev ctr0; ls /sys/class/net").AssertSuccess().Stdout;
        string[] lines = inside.Split('\n');
        Assert.Equal(1, Convert.ToInt32(lines[0].Trim(), 16) & 1); // IFF_UP
        Assert.Contains("inet 192.0.2.7/24", inside);
        Assert.Contains("inet6 2001:db8::7/64", inside);
        Assert.DoesNotContain("10.99.0.1", inside);
        Assert.DoesNotContain("198.51.100.7", inside);
        Assert.Contains("ctr0", inside);
        Assert.DoesNotContain(link, inside);

        Rt.Delete(id, force: true).AssertSuccess();
        // a virtual link dies with its namespace: nothing comes back to the host
        Assert.False(HostHasLink(link));
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("netDevices: runc 1.4")]
    public void WithoutANameTheHostNameIsKept()
    {
        string link = NewHostLink();
        var b = WithNetDevices(NewBundle(), link, null).Shell($"cat /sys/class/net/{link}/flags");
        var id = NewId("nd");
        var r = Rt.Run(id, b).AssertSuccess();
        Assert.Equal(1, Convert.ToInt32(r.Stdout.Trim(), 16) & 1);
        AssertNothingLeaked(id, b);
        Assert.False(HostHasLink(link));
    }

    [FactUnlessRunc11("netDevices: runc 1.4")]
    public void AMissingHostLinkFailsTheCreateAndLeavesNothing()
    {
        var b = WithNetDevices(NewBundle("true"), "sktnosuch0", "eth0");
        var id = NewId("nd");
        var r = Rt.Run(id, b).AssertFailure("error creating network interfaces: move netDevice sktnosuch0 to namespace /proc/");
        r.AssertFailure("link not found for interface sktnosuch0 on runtime namespace");
        AssertNothingLeaked(id, b);
    }

    [FactUnlessRunc11("netDevices: runc 1.4")]
    public void BadNamesAreRefusedAndTheHostLinkStays()
    {
        string link = NewHostLink();
        (string Host, string? Name, string Message)[] cases =
        [
            ("a/b", null, "invalid network device name \"a/b\""),
            (link, "x:y", "invalid network device name \"x:y\""),
            (link, "has space", "invalid network device name \"has space\""),
            ("..", null, "invalid network device name \"..\""),
            (link, "sixteen-chars-xx", "invalid network device name \"sixteen-chars-xx\""),
        ];
        foreach (var (host, name, message) in cases)
        {
            var b = WithNetDevices(NewBundle("true"), host, name);
            var id = NewId("nd");
            Rt.Run(id, b).AssertFailure(message);
            Assert.True(HostHasLink(link));
            AssertNothingLeaked(id, b);
        }
    }

    [FactUnlessRunc11("netDevices: runc 1.4")]
    public void WithoutANewNetworkNamespaceItIsRefused()
    {
        string link = NewHostLink();
        var b = WithNetDevices(NewBundle("true"), link, "eth0").RemoveNamespace("network");
        var id = NewId("nd");
        Rt.Run(id, b).AssertFailure("unable to move network devices without a NET namespace");
        Assert.True(HostHasLink(link));
        AssertNothingLeaked(id, b);
    }
}
