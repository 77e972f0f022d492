using System.Text;
using Skiff.LibContainer.Rootfs;
using Skiff.Linux;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// LSM labels of the container's process: the AppArmor profile (runc's apparmor.ApplyProfile: "exec NAME" into
/// /proc/thread-self/attr/apparmor/exec, taking effect at execve) and the SELinux process label (go-selinux's
/// SetExecLabel: the label into /proc/thread-self/attr/exec) and mount label (context= on the container's mounts).
/// Requested where the LSM is not enabled, each is an error before anything is created (runc fails later: its
/// profile write or its context= mount option fails in init).
/// </summary>
internal static class Labels
{
    /// <summary>runc's apparmor.IsEnabled: securityfs shows apparmor and the module parameter says Y.</summary>
    public static bool AppArmorEnabled(string sysRoot = "/sys")
    {
        if (!Directory.Exists(sysRoot + "/kernel/security/apparmor")) return false;
        try
        {
            string enabled = File.ReadAllText(sysRoot + "/module/apparmor/parameters/enabled");
            return enabled.StartsWith('Y');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// go-selinux's GetEnabled: selinuxfs is mounted and our own context is not "kernel" (the label of every
    /// process when no policy is loaded).
    /// </summary>
    public static bool SelinuxEnabled(string sysRoot = "/sys", string procRoot = "/proc")
    {
        if (!File.Exists(sysRoot + "/fs/selinux/enforce") && !SelinuxfsMounted(procRoot)) return false;
        try
        {
            string current = File.ReadAllText(procRoot + "/self/attr/current").TrimEnd('\0', '\n');
            return current.Length > 0 && current != "kernel";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool SelinuxfsMounted(string procRoot)
    {
        try
        {
            return MountInfoEntry.Read(procRoot + "/self/mountinfo").Exists(m => m.FsType == "selinuxfs");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// The parent's check, on the host's /sys before anything is created: a profile or process label for an LSM
    /// this host does not run is an error.
    /// </summary>
    public static void Validate(string? apparmorProfile, string? processLabel, string? mountLabel)
    {
        if (!string.IsNullOrEmpty(apparmorProfile) && !AppArmorEnabled())
            throw new ContainerException("unable to apply apparmor profile",
                new ContainerException($"apparmor profile \"{apparmorProfile}\" is specified in config, but apparmor is not enabled on this host"));
        bool selinux = (!string.IsNullOrEmpty(processLabel) || !string.IsNullOrEmpty(mountLabel)) && SelinuxEnabled();
        if (!string.IsNullOrEmpty(processLabel) && !selinux)
            throw new ContainerException("selinux label is specified in config, but selinux is disabled or not supported");
        if (!string.IsNullOrEmpty(mountLabel) && !selinux)
            throw new ContainerException("selinux mount label is specified in config, but selinux is disabled or not supported");
    }

    /// <summary>
    /// runc's apparmor.ApplyProfile: the profile is switched to at the next execve. The newer per-LSM file first
    /// (Linux 5.8+), the shared attr/exec otherwise.
    /// </summary>
    public static void ApplyAppArmor(string? profile)
    {
        if (string.IsNullOrEmpty(profile)) return;
        try
        {
            string path = "thread-self/attr/apparmor/exec";
            try { ProcfsHandle.Shared.OpenBeneath("thread-self/attr/apparmor", Libc.O_PATH | Libc.O_DIRECTORY).Dispose(); }
            catch (SyscallException ex) when (ex.Errno == Errno.ENOENT) { path = "thread-self/attr/exec"; }
            WriteAttr(path, "exec " + profile);
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("unable to apply apparmor profile",
                new ContainerException("apparmor failed to apply profile", ex));
        }
    }

    /// <summary>go-selinux's SetExecLabel: the process label the next execve takes; nothing for an empty label.</summary>
    public static void SetSelinuxExecLabel(string? label)
    {
        if (string.IsNullOrEmpty(label)) return;
        try
        {
            WriteAttr("thread-self/attr/exec", label);
        }
        catch (SyscallException ex)
        {
            throw new ContainerException("can't set process label", ex);
        }
    }

    /// <summary>
    /// go-selinux's FormatMountLabel: mount data with context="LABEL" appended when SELinux is enabled and a label
    /// is given; the data unchanged otherwise.
    /// </summary>
    public static string FormatMountLabel(string data, string? mountLabel, bool selinuxEnabled)
    {
        if (string.IsNullOrEmpty(mountLabel) || !selinuxEnabled) return data;
        string context = $"context=\"{mountLabel}\"";
        return data.Length == 0 ? context : data + "," + context;
    }

    /// <summary>One write(2) of the whole value (the LSM parses each write as a command), through the verified
    /// procfs handle.</summary>
    private static void WriteAttr(string sub, string value) => ProcfsHandle.Shared.Write(sub, value);
}
