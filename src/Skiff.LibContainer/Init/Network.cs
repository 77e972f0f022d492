using Skiff.Linux;

namespace Skiff.LibContainer.Init;

/// <summary>Network setup inside a new network namespace (runc's "loopback" strategy).</summary>
internal static class Network
{
    /// <summary>Brings "lo" up: rtnetlink RTM_NEWLINK with IFF_UP, waiting for the kernel's ACK.</summary>
    public static void LoopbackUp()
    {
        int index = Libc.IfNameToIndex("lo");
        Libc.SetLinkUp(index, up: true, "lo");
    }
}
