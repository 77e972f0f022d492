using Skiff.LibContainer;
using Skiff.Linux;

namespace Skiff.Cli.Commands;

/// <summary>
/// runc's rootless decisions (main.go, rootless_linux.go): the state root under $XDG_RUNTIME_DIR when not root, and
/// whether the cgroup manager may skip cgroups it is not allowed to create (--rootless true/false/auto).
/// </summary>
internal static class Rootless
{
    /// <summary>runc's shouldHonorXDGRuntimeDir: a non-root caller, or root in a user namespace that is not
    /// USER=root; never the real root (who keeps /run/skiff even with XDG_RUNTIME_DIR=/run/user/0).</summary>
    public static bool ShouldHonorXdgRuntimeDir(uint euid, bool inUserNs, string? xdgRuntimeDir, string? user)
    {
        if (string.IsNullOrEmpty(xdgRuntimeDir)) return false;
        if (euid != 0) return true;
        if (!inUserNs) return false;
        return user is null || user != "root";
    }

    /// <summary>The default --root: $XDG_RUNTIME_DIR/skiff when honoured (and then xdg is true), else /run/skiff.</summary>
    public static string DefaultRoot(out bool xdg)
    {
        string? dir = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        xdg = ShouldHonorXdgRuntimeDir(Libc.geteuid(), UserNamespace.RunningInUserNs(), dir,
            Environment.GetEnvironmentVariable("USER"));
        return xdg ? dir + "/" + App.Name : App.DefaultRoot;
    }

    /// <summary>
    /// XDG says what lives in $XDG_RUNTIME_DIR needs the sticky bit not to be pruned: make the default root 0700
    /// and sticky, with runc's hints on failure.
    /// </summary>
    public static void PrepareXdgRoot(string root, TextWriter stderr)
    {
        try
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine("the path in $XDG_RUNTIME_DIR must be writable by the user");
            throw new ContainerException($"mkdir {root}", ex);
        }
        Errno e = Check.Try(Libc.chmod(root, 0x3C0 /* 01700 */));
        if (e != Errno.OK)
        {
            stderr.WriteLine("you should check permission of the path in $XDG_RUNTIME_DIR");
            throw new SyscallException("chmod", e, root);
        }
    }

    /// <summary>runc's parseBoolOrAuto: null for "" or "auto", else Go's strconv.ParseBool.</summary>
    public static bool? ParseBoolOrAuto(string s)
    {
        if (s.Length == 0 || s.Equals("auto", StringComparison.OrdinalIgnoreCase)) return null;
        return s switch
        {
            "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
            "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
            _ => throw new ContainerException($"strconv.ParseBool: parsing \"{s}\": invalid syntax"),
        };
    }

    /// <summary>runc's shouldUseRootlessCgroupManager: --rootless when given; else a non-root euid, or root
    /// inside a user namespace (we cannot tell whether its cgroups are delegated to us).</summary>
    public static bool UseRootlessCgroupManager(GlobalOptions global)
    {
        bool? b = ParseBoolOrAuto(global.Rootless);
        if (b is not null) return b.Value;
        if (Libc.geteuid() != 0) return true;
        return UserNamespace.RunningInUserNs();
    }
}
