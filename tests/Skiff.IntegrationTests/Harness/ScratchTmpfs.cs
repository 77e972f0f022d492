using System.Runtime.InteropServices;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// A tmpfs the test mounts on a fresh directory of its own (never on any of the host's mounts), with per-mount
/// flags set by "mount --bind -o remount,FLAGS" (<see cref="Configure"/>); unmounted and removed on Dispose.
/// </summary>
public sealed class ScratchTmpfs : IDisposable
{
    private const ulong MS_RDONLY = 0x1, MS_NOSUID = 0x2, MS_NODEV = 0x4, MS_NOEXEC = 0x8, MS_REMOUNT = 0x20,
        MS_NOATIME = 0x400, MS_NODIRATIME = 0x800, MS_BIND = 0x1000, MS_RELATIME = 0x200000, MS_STRICTATIME = 0x1000000;
    private const int MNT_DETACH = 2;

    private static readonly Dictionary<string, ulong> s_flags = new()
    {
        ["ro"] = MS_RDONLY, ["nosuid"] = MS_NOSUID, ["nodev"] = MS_NODEV, ["noexec"] = MS_NOEXEC,
        ["noatime"] = MS_NOATIME, ["nodiratime"] = MS_NODIRATIME, ["relatime"] = MS_RELATIME,
        ["strictatime"] = MS_STRICTATIME,
    };

    private bool _mounted;

    public ScratchTmpfs()
    {
        Path = System.IO.Path.Combine(RepoPaths.TempRoot, "scratch-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path);
        Check(Native.Mount("tmpfs", Path, "tmpfs", 0, "size=1m,mode=0755"), "mount tmpfs");
        _mounted = true;
    }

    /// <summary>The mount point on the host.</summary>
    public string Path { get; }

    /// <summary>Sets the mount's per-mount flags to exactly <paramref name="flags"/> (comma-separated names of
    /// <see cref="s_flags"/>; the kernel's default atime mode, relatime, when none is named) and returns the
    /// options /proc/self/mountinfo then shows for it.</summary>
    public string[] Configure(string flags)
    {
        ulong f = 0;
        foreach (string name in flags.Split(',', StringSplitOptions.RemoveEmptyEntries))
            f |= s_flags.TryGetValue(name, out ulong v) ? v : throw new ArgumentException($"unknown flag {name}", nameof(flags));
        Check(Native.Mount("", Path, null, MS_BIND | MS_REMOUNT | f, null), $"mount --bind -o remount,{flags}");
        return MountInfo.Options(File.ReadAllText("/proc/self/mountinfo"), Path)
            ?? throw new InvalidOperationException($"{Path} is not in /proc/self/mountinfo");
    }

    private void Check(int rc, string what)
    {
        if (rc == 0) return;
        int errno = Marshal.GetLastPInvokeError();
        throw new InvalidOperationException($"{what} {Path}: errno {errno}");
    }

    public void Dispose()
    {
        if (_mounted && Native.Umount2(Path, MNT_DETACH) == 0) _mounted = false;
        if (!_mounted) Directory.Delete(Path);
    }
}
