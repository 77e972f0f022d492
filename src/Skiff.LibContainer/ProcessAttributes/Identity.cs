using System.Text;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.ProcessAttributes;

/// <summary>
/// Switches to process.user as runc's setupUser: stdio ownership, supplementary groups, gid, uid (with
/// PR_SET_KEEPCAPS on this thread so the permitted set survives for <see cref="Capabilities.ApplyCaps"/>), then
/// HOME and the umask. Uses glibc's setgroups/setresgid/setresuid, which change every thread of the process
/// (see Libc.Identity.cs). Runs after the root switch: /etc/passwd and /dev/null are the container's.
/// </summary>
internal static class Identity
{
    public static void Apply(User user, List<string> env) => Apply(user, env, rootlessEuid: false);

    /// <summary>
    /// crun's annotation (podman's `--group-add keep-groups`): present (with any value but "0" or "false"), the
    /// process keeps the supplementary groups the runtime was started with: setgroups is not called at all, so
    /// neither additionalGids nor the reset to none apply.
    /// </summary>
    public const string KeepOriginalGroupsAnnotation = "run.oci.keep_original_groups";

    /// <summary>Whether <see cref="KeepOriginalGroupsAnnotation"/> asks to keep the groups.</summary>
    public static bool KeepOriginalGroups(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null && annotations.TryGetValue(KeepOriginalGroupsAnnotation, out string? v) && v is not ("0" or "false");

    /// <param name="user">process.user: uid, gid, additionalGids, umask (username is not looked up, as runc).</param>
    /// <param name="env">The process environment (KEY=VALUE); HOME is added when missing or empty.</param>
    /// <param name="rootlessEuid">runc's RootlessEUID: no supplementary groups at all.</param>
    /// <param name="keepOriginalGroups">Leave the supplementary groups as inherited (no setgroups).</param>
    public static void Apply(User user, List<string> env, bool rootlessEuid, bool keepOriginalGroups = false)
    {
        uint[] groups = user.AdditionalGids?.ToArray() ?? [];
        if (rootlessEuid && groups.Length > 0)
            throw new ContainerException("cannot set any additional groups in a rootless container");

        FixStdioPermissions(user.Uid);

        bool allowSupGroups = !rootlessEuid && !keepOriginalGroups && !SetgroupsDenied();
        Libc.SetKeepCaps(true);
        try
        {
            if (allowSupGroups) Libc.SetGroups(groups);
            if (Libc.setresgid(user.Gid, user.Gid, user.Gid) < 0)
            {
                Errno e = Check.LastErrno;
                if (e == Errno.EINVAL) throw new ContainerException($"cannot setgid to unmapped gid {user.Gid} in user namespace");
                Check.Throw("setresgid", e);
            }
            if (Libc.setresuid(user.Uid, user.Uid, user.Uid) < 0)
            {
                Errno e = Check.LastErrno;
                if (e == Errno.EINVAL) throw new ContainerException($"cannot setuid to unmapped uid {user.Uid} in user namespace");
                Check.Throw("setresuid", e);
            }
        }
        finally
        {
            Libc.SetKeepCaps(false);
        }

        if (string.IsNullOrEmpty(GetEnv(env, "HOME")))
            SetEnv(env, "HOME", HomeFromPasswd("/etc/passwd", user.Uid) ?? "/");

        Libc.umask(user.Umask ?? 0b000_010_010 /* 0022 */);
    }

    /// <summary>
    /// runc's fixStdioPermissions: chown fds 0-2 to the target uid (keeping their gid) unless already owned by it
    /// or they are a null device; EINVAL/EPERM/EROFS are ignored (unmapped owner, read-only /dev). Whether an fd is
    /// the null device is told by its own fstat (char 1:3), as runc 1.2.8 does, not by comparing it with the
    /// container's /dev/null: the container's root may have replaced that node with a file, and an exec's stdio
    /// may be the host's /dev/null, whose owner must not change (CVE-2025-31133).
    /// </summary>
    public static void FixStdioPermissions(uint uid)
    {
        for (int fd = 0; fd <= 2; fd++)
        {
            FileIds s;
            try { s = Libc.FstatIds(fd); }
            catch (SyscallException ex) { throw new SyscallException("fstat", ex.Errno, StdioName(fd)); }
            if (s.Uid == uid || s.IsDevNull) continue;
            if (Libc.fchown(fd, uid, s.Gid) < 0)
            {
                Errno e = Check.LastErrno;
                if (e is Errno.EINVAL or Errno.EPERM or Errno.EROFS) continue;
                Check.Throw("fchown", e, StdioName(fd));
            }
        }
    }

    private static string StdioName(int fd) => fd switch { 0 => "/dev/stdin", 1 => "/dev/stdout", _ => "/dev/stderr" };

    /// <summary>/proc/self/setgroups says "deny" (an unprivileged user namespace since Linux 3.19). Read through the
    /// verified procfs handle: after the root switch a /proc path would be the image's when no procfs is mounted
    /// there.</summary>
    private static bool SetgroupsDenied()
    {
        SafeFd fd;
        try { fd = Rootfs.ProcfsHandle.Shared.OpenBeneath("self/setgroups", Libc.O_RDONLY); }
        catch (SyscallException ex) when (ex.Errno == Errno.ENOENT) { return false; }
        using (fd)
        {
            Span<byte> buf = stackalloc byte[16];
            int n = Libc.Read(fd, buf, "read /proc/self/setgroups");
            return buf[..n].Trim(" \t\n"u8).SequenceEqual("deny"u8);
        }
    }

    /// <summary>Go's bufio.Scanner limit, which runc's passwd parser reads with: a longer line is an error.</summary>
    internal const int MaxPasswdLine = 64 << 10;

    /// <summary>Where skiff stops reading a passwd file that does not end (/dev/urandom): far past any real one.</summary>
    internal const long MaxPasswdBytes = 32L << 20;

    /// <summary>
    /// The home directory of the first /etc/passwd entry with <paramref name="uid"/> (Go's user package rules:
    /// lines trimmed, fields split on ':', an unparsable uid counts as 0), or null when there is none or the file
    /// cannot be read. The file is the image's, so it is read in bounded memory, as runc does: a line longer than
    /// 64 KiB (/dev/zero) is an error, as is more than 32 MiB in all, and a fifo is opened without waiting for a
    /// writer (it reads as empty).
    /// </summary>
    public static string? HomeFromPasswd(string passwdPath, uint uid)
    {
        SafeFd fd;
        try { fd = Libc.Open(passwdPath, Libc.O_RDONLY | Libc.O_CLOEXEC | Libc.O_NONBLOCK | Libc.O_NOCTTY); }
        catch (SyscallException) { return null; }
        using (fd)
        {
            string? home = null;
            byte[] buf = new byte[4096];
            int len = 0;
            long total = 0;
            while (true)
            {
                int n;
                try { n = Libc.Read(fd, buf.AsSpan(len)); }
                catch (SyscallException) { return null; } // EISDIR, EAGAIN of a fifo with a writer, EIO
                total += n;
                if (total > MaxPasswdBytes)
                    throw new ContainerException($"unable to find user {uid}: {passwdPath}: longer than {MaxPasswdBytes >> 20} MiB");
                len += n;
                int start = 0;
                for (int nl; (nl = buf.AsSpan(start, len - start).IndexOf((byte)'\n')) >= 0; start += nl + 1)
                    home ??= HomeOf(buf.AsSpan(start, nl), uid);
                if (n == 0)
                {
                    if (len > start) home ??= HomeOf(buf.AsSpan(start, len - start), uid);
                    return home;
                }
                buf.AsSpan(start, len - start).CopyTo(buf);
                len -= start;
                if (len == buf.Length)
                {
                    if (len >= MaxPasswdLine)
                        throw new ContainerException($"unable to find user {uid}: {passwdPath}: a line is longer than {MaxPasswdLine} bytes");
                    Array.Resize(ref buf, buf.Length * 2);
                }
            }
        }
    }

    /// <summary>One passwd line: its home field when its uid is <paramref name="uid"/>, else null.</summary>
    private static string? HomeOf(ReadOnlySpan<byte> raw, uint uid)
    {
        // Most lines are told apart by their third field alone, read in place: nothing is allocated for them, so a
        // large file makes no garbage (a collection in init after the root switch reads /proc/meminfo, which may be
        // the image's). A field that does not parse as it stands (or a line of fewer fields, uid 0 for Go) goes on
        // to the exact rules below.
        ReadOnlySpan<byte> f2 = ThirdFieldOrEmpty(raw, out bool found);
        if (found && long.TryParse(f2, System.Globalization.NumberStyles.Integer,
                System.Globalization.CultureInfo.InvariantCulture, out long quick) && quick != uid)
            return null;
        string line = Encoding.UTF8.GetString(raw).Trim();
        if (line.Length == 0) return null;
        string[] f = line.Split(':');
        long id = f.Length > 2 && long.TryParse(f[2], out long v) ? v : 0;
        if (id != uid) return null;
        return f.Length > 5 ? f[5] : "";
    }

    /// <summary>The bytes between a line's second and third ':' (or its end); not <paramref name="found"/> with fewer
    /// than two.</summary>
    private static ReadOnlySpan<byte> ThirdFieldOrEmpty(ReadOnlySpan<byte> raw, out bool found)
    {
        found = false;
        int a = raw.IndexOf((byte)':');
        if (a < 0) return default;
        int b = raw[(a + 1)..].IndexOf((byte)':');
        if (b < 0) return default;
        ReadOnlySpan<byte> rest = raw[(a + 1 + b + 1)..];
        int c = rest.IndexOf((byte)':');
        found = true;
        return c < 0 ? rest : rest[..c];
    }

    /// <summary>The value of the last <paramref name="key"/>= entry (as a Go Setenv loop leaves it), or null.</summary>
    public static string? GetEnv(List<string> env, string key)
    {
        for (int i = env.Count - 1; i >= 0; i--)
            if (env[i].Length > key.Length && env[i][key.Length] == '=' && env[i].StartsWith(key, StringComparison.Ordinal))
                return env[i][(key.Length + 1)..];
        return null;
    }

    /// <summary>Replaces every <paramref name="key"/>= entry in place, or appends one.</summary>
    public static void SetEnv(List<string> env, string key, string value)
    {
        bool found = false;
        for (int i = 0; i < env.Count; i++)
        {
            if (env[i].Length > key.Length && env[i][key.Length] == '=' && env[i].StartsWith(key, StringComparison.Ordinal))
            {
                env[i] = key + "=" + value;
                found = true;
            }
        }
        if (!found) env.Add(key + "=" + value);
    }
}
