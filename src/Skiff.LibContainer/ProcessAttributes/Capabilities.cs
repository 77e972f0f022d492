using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// Applies process.capabilities as runc's libcontainer/capabilities does. runc's finalizeNamespace order:
/// <see cref="ApplyBoundingSet"/> (needs CAP_SETPCAP, so before the uid switch), keepcaps + the uid switch
/// (<see cref="Identity"/>), then <see cref="ApplyCaps"/>. Everything here is per-thread kernel state: call it on
/// the thread that execs, with nothing that could switch threads in between.
/// </summary>
internal static class Capabilities
{
    /// <summary>Resolves names and applies everything at once: bounding set, capset, ambient (no uid switch between).</summary>
    public static void Apply(LinuxCapabilities? caps)
    {
        CapabilityConfig c = Resolve(caps);
        ApplyBoundingSet(c);
        ApplyCaps(c);
    }

    /// <summary>"CAP_SYS_ADMIN" → bit 21. Names skiff does not know are added to <paramref name="unknown"/>.</summary>
    public static ulong Parse(IEnumerable<string>? names, List<string> unknown) =>
        Parse(names, unknown, CapabilityNames.LastCap);

    /// <summary>As <see cref="Parse(IEnumerable{string}?, List{string})"/>, also treating caps above
    /// <paramref name="lastCap"/> (the kernel's cap_last_cap) as unavailable, as runc does.</summary>
    public static ulong Parse(IEnumerable<string>? names, List<string> unknown, int lastCap)
    {
        ulong mask = 0;
        if (names is null) return 0;
        foreach (string name in names)
        {
            int cap = CapabilityNames.Lookup(name);
            if (cap < 0 || cap > lastCap)
            {
                if (!unknown.Contains(name)) unknown.Add(name);
                continue;
            }
            mask |= 1UL << cap;
        }
        return mask;
    }

    /// <summary>
    /// Turns the spec's lists into masks. A null <paramref name="caps"/> means all sets empty (runc drops every
    /// capability then). Unknown or unavailable names are ignored with runc 1.2's warning.
    /// </summary>
    public static CapabilityConfig Resolve(LinuxCapabilities? caps)
    {
        caps ??= new LinuxCapabilities();
        int lastCap = Math.Min(KernelLastCap(), CapabilityNames.LastCap);
        var unknown = new List<string>();
        var c = new CapabilityConfig(
            Parse(caps.Bounding, unknown, lastCap), Parse(caps.Effective, unknown, lastCap),
            Parse(caps.Permitted, unknown, lastCap), Parse(caps.Inheritable, unknown, lastCap),
            Parse(caps.Ambient, unknown, lastCap));
        if (unknown.Count > 0)
        {
            unknown.Sort(StringComparer.Ordinal);
            Log.Warn("ignoring unknown or unavailable capabilities: [" + string.Join(' ', unknown) + "]");
        }
        return c;
    }

    /// <summary>
    /// Drops every capability not in <see cref="CapabilityConfig.Bounding"/> from the bounding set
    /// (PR_CAPBSET_DROP). Skipped without CAP_SETPCAP in the effective set, and caps the kernel does not know
    /// (EINVAL) are skipped, as gocapability does.
    /// </summary>
    public static void ApplyBoundingSet(CapabilityConfig c)
    {
        const int CAP_SETPCAP = 8;
        if ((Libc.CapGet().Effective & (1UL << CAP_SETPCAP)) == 0) return;
        int last = KernelLastCap();
        for (int cap = 0; cap <= last; cap++)
        {
            if ((c.Bounding & (1UL << cap)) != 0) continue;
            Errno e = Libc.CapBsetDrop(cap);
            if (e != Errno.OK && e != Errno.EINVAL) Check.Throw("prctl(PR_CAPBSET_DROP)", e);
        }
    }

    /// <summary>
    /// The bounding set again (a no-op if already applied), then capset(effective, permitted, inheritable) for
    /// this thread, then the ambient set: cleared, then each cap raised. A cap that cannot be raised (not both
    /// permitted and inheritable: EPERM; unknown to the kernel: EINVAL) is skipped as runc does.
    /// </summary>
    public static void ApplyCaps(CapabilityConfig c)
    {
        ApplyBoundingSet(c);
        Libc.CapSet(new CapSets(c.Effective, c.Permitted, c.Inheritable));
        try { Libc.AmbientClearAll(); }
        catch (SyscallException ex) when (ex.Errno == Errno.EINVAL) { return; } // no ambient caps (< 4.3)
        for (int cap = 0; cap < 64; cap++)
        {
            if ((c.Ambient & (1UL << cap)) == 0) continue;
            Errno e = Libc.AmbientRaise(cap);
            if (e == Errno.OK) continue;
            if (e != Errno.EPERM && e != Errno.EINVAL) Check.Throw("prctl(PR_CAP_AMBIENT_RAISE)", e);
            if (Log.IsDebug) Log.Debug($"can't raise ambient capability {CapabilityNames.Name(cap)}: {e.Text()}");
        }
    }

    private static int s_lastCap = -1;

    /// <summary>
    /// /proc/sys/kernel/cap_last_cap, read once and cached (call it before the root switch to prime the cache);
    /// skiff's own table's last cap if /proc cannot be read.
    /// </summary>
    public static int KernelLastCap()
    {
        if (s_lastCap >= 0) return s_lastCap;
        int last;
        try { last = Libc.CapLastCap(); }
        catch (SyscallException) { last = CapabilityNames.LastCap; }
        if (last <= 0 || last > 63) last = CapabilityNames.LastCap;
        s_lastCap = last;
        return last;
    }
}
