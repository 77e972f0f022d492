using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Processes;

/// <summary>
/// linux.netDevices (runtime-spec 1.3, runc 1.4's devChangeNetNamespace), done by the parent once init is in its
/// new network namespace and before the container's process runs: each named host link's addresses are read, the
/// link set down, then moved and renamed in one RTM_NEWLINK; in the container's namespace its permanent global addresses
/// are added again (the kernel drops them on the move) and it is set up. All over rtnetlink, no `ip`.
/// Nothing is moved back: a physical link returns to the host when the namespace dies, a virtual one is destroyed
/// with it (the spec's namespace lifecycle).
/// </summary>
internal static class NetDevices
{
    /// <summary>Moves every device of <paramref name="devices"/> into the network namespace of <paramref name="pid"/>.</summary>
    public static void Move(IReadOnlyDictionary<string, LinuxNetDevice>? devices, int pid)
    {
        if (devices is not { Count: > 0 }) return;
        string nsPath = $"/proc/{pid}/ns/net";
        using SafeFd netns = Libc.Open(nsPath, Libc.O_RDONLY | Libc.O_CLOEXEC);
        using var host = Rtnetlink.Open();
        using var inside = Rtnetlink.OpenIn(netns, nsPath);
        // Go ranges over a map in random order; a fixed order makes failures reproducible
        foreach (string name in OrdinalKeys.Sorted(devices.Keys))
        {
            LinuxNetDevice? dev = devices[name];
            try
            {
                MoveOne(host, inside, netns, nsPath, name, string.IsNullOrEmpty(dev?.Name) ? name : dev.Name);
            }
            catch (Exception ex) when (ex is SyscallException or ContainerException)
            {
                throw new ContainerException($"move netDevice {name} to namespace {nsPath}", ex);
            }
        }
    }

    private static void MoveOne(Rtnetlink host, Rtnetlink inside, SafeFd netns, string nsPath, string name, string newName)
    {
        Log.Debug($"attaching network device {name} as {newName} to network namespace {nsPath}");
        int index;
        try { index = host.LinkIndex(name); }
        catch (SyscallException ex) { throw new ContainerException($"link not found for interface {name} on runtime namespace", ex); }

        // the addresses before the link goes down: setting an up link down drops its IPv6 addresses (unless
        // keep_addr_on_down), which runc's order (down, then list) loses
        List<IfAddress> addresses;
        try { addresses = host.Addresses(index, name); }
        catch (SyscallException ex) { throw new ContainerException("fail to get ip addresses", ex); }

        // down, so nothing on the host uses it while it changes namespace and name
        try { host.SetLinkUp(index, up: false, name); }
        catch (SyscallException ex) { throw new ContainerException("fail to set link down", ex); }

        try { host.MoveLink(index, newName, netns, name); }
        catch (SyscallException ex) { throw new ContainerException($"fail to move network device {name} to network namespace {nsPath}", ex); }

        int nsIndex;
        try
        {
            // a "%d" template is named by the kernel: find the link by the index it kept (a fresh namespace has
            // only lo, so the index is free there)
            nsIndex = newName.Contains('%') ? index : inside.LinkIndex(newName);
        }
        catch (SyscallException ex) { throw new ContainerException($"link not found for interface {newName} on namespace {nsPath} ", ex); }

        foreach (IfAddress a in addresses)
        {
            // only what the user configured for good: permanent, global scope (RFC 3549 2.3.3.2)
            if ((a.Flags & IfAddress.IFA_F_PERMANENT) == 0)
            {
                Log.Debug($"skipping address {a} from network device {name}: not a permanent address");
                continue;
            }
            if (a.Scope != IfAddress.RT_SCOPE_UNIVERSE)
            {
                Log.Debug($"skipping address {a} from network device {name}: not an address with global scope");
                continue;
            }
            try { inside.AddAddress(nsIndex, a, newName); }
            catch (SyscallException ex) { throw new ContainerException($"fail to set up address {a} on namespace {nsPath}", ex); }
        }

        try { inside.SetLinkUp(nsIndex, up: true, newName); }
        catch (SyscallException ex) { throw new ContainerException($"fail to set up interface {newName} on namespace {nsPath}", ex); }
    }
}
