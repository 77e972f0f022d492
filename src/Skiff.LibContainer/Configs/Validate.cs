using Skiff.Linux;
using Skiff.Linux.Logging;
using Skiff.RuntimeSpec;
using SpecLinux = Skiff.RuntimeSpec.Linux;

namespace Skiff.LibContainer.Configs;

/// <summary>
/// The checks runc makes between loading a spec and creating the container: specconv's namespace and
/// cgroupsPath checks, then libcontainer/configs/validate's (rootfs, uts, security, namespaces, sysctl,
/// mounts), with runc's messages.
/// </summary>
public static class Validate
{
    /// <summary>Runs every check; throws <see cref="ContainerException"/> with runc's text on the first failure.
    /// <paramref name="rootlessEuid"/> is runc's RootlessEUID (default: the effective uid is not 0). Returns the
    /// container's namespaces, derived here once.</summary>
    public static NamespaceSet Spec(Spec spec, bool systemdCgroup, string procRoot = "/proc", bool? rootlessEuid = null)
    {
        var linux = spec.Linux;
        bool rootless = rootlessEuid ?? Libc.geteuid() != 0;
        NulCheck.Spec(spec);
        var namespaces = NamespaceSet.Of(linux);
        CgroupsPath(linux?.CgroupsPath, systemdCgroup);
        UserNamespaceMappings(linux, namespaces);
        // specconv's conversions (before runc's validator runs): seccomp profile, personality
        Seccomp.SeccompFilter.Convert(linux?.Seccomp);
        LibContainer.ProcessAttributes.Personality.Validate(linux?.Personality);
        Rootfs(spec.Root?.Path ?? "");
        if (!string.IsNullOrEmpty(spec.Hostname) && !namespaces.Has("uts"))
            throw new ContainerException("unable to set hostname without a private UTS namespace");
        if (!string.IsNullOrEmpty(spec.Domainname) && !namespaces.Has("uts"))
            throw new ContainerException("unable to set domainname without a private UTS namespace");
        if ((linux?.MaskedPaths is { Count: > 0 } || linux?.ReadonlyPaths is { Count: > 0 }) && !namespaces.Has("mount"))
            throw new ContainerException("unable to restrict sys entries without a private MNT namespace");
        NetDevices(linux?.NetDevices, namespaces, rootless);
        KernelNamespaces(linux, namespaces, procRoot);
        UserNamespace(linux, namespaces);
        Sysctl(linux?.Sysctl, namespaces);
        if (rootless) RootlessEuid(spec, namespaces);
        IdMappedMounts(spec.Mounts, rootless, namespaces.Has("user"));
        Mounts(spec.Mounts);
        if (spec.Process is not null) ProcessAttributes(spec.Process, linux?.MountLabel);
        LibContainer.ProcessAttributes.MemoryPolicy.Convert(linux?.MemoryPolicy);
        return namespaces;
    }

    /// <summary>
    /// validate's netdevices (runc 1.4): moving host links needs a new network namespace, is not for rootless
    /// containers, and every name (host and container side) must be one the kernel accepts (dev_valid_name).
    /// </summary>
    public static void NetDevices(Dictionary<string, LinuxNetDevice>? devices, NamespaceSet namespaces, bool rootless)
    {
        if (devices is not { Count: > 0 }) return;
        if (!namespaces.Has("network")) throw new ContainerException("unable to move network devices without a NET namespace");
        if (rootless) throw new ContainerException("network devices are not supported for rootless containers");
        foreach (string name in OrdinalKeys.Sorted(devices.Keys))
        {
            LinuxNetDevice? dev = devices[name];
            if (!DevValidName(name)) throw new ContainerException($"invalid network device name {Skiff.Linux.GoQuote.Quote(name)}");
            if (!string.IsNullOrEmpty(dev?.Name) && !DevValidName(dev.Name))
                throw new ContainerException($"invalid network device name {Skiff.Linux.GoQuote.Quote(dev.Name)}");
        }
    }

    /// <summary>The kernel's dev_valid_name: 1..15 bytes (IFNAMSIZ with its NUL), not "." or "..", no '/', ':' or whitespace.</summary>
    public static bool DevValidName(string name)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (bytes == 0 || bytes >= 16) return false; // the kernel needs room for the NUL (runc lets 16 through to fail later)
        if (name is "." or "..") return false;
        return name.IndexOfAny(['/', ':', ' ']) < 0;
    }


    /// <summary>
    /// The process attributes init applies just before exec, checked up front (for `create`/`run` and for
    /// `exec`): scheduler and ioPriority as runc's validator and specconv, AppArmor/SELinux availability.
    /// </summary>
    public static void ProcessAttributes(Process process, string? mountLabel = null)
    {
        LibContainer.ProcessAttributes.Scheduler.Validate(process.Scheduler);
        LibContainer.ProcessAttributes.IoPriority.Validate(process.IoPriority);
        LibContainer.ProcessAttributes.Labels.Validate(process.ApparmorProfile, process.SelinuxLabel, mountLabel);
        ExecCpuAffinity(process.ExecCpuAffinity);
    }

    /// <summary>
    /// runc's ConvertCPUAffinity: process.execCPUAffinity initial/final are cpu lists ("bad CPUAffinity.Initial: …");
    /// returns the parsed sets (null when neither is given).
    /// </summary>
    public static (SortedSet<int>? Initial, SortedSet<int>? Final)? ExecCpuAffinity(CpuAffinity? affinity)
    {
        if (affinity is null) return null;
        SortedSet<int>? Parse(string? list, string what)
        {
            if (string.IsNullOrEmpty(list)) return null;
            try { return CpuList.Parse(list); }
            catch (FormatException ex) { throw new ContainerException($"bad CPUAffinity.{what}", new ContainerException(ex.Message)); }
        }
        var initial = Parse(affinity.Initial, "Initial");
        var final = Parse(affinity.Final, "Final");
        if (initial is null && final is null) return null;
        return (initial, final);
    }

    /// <summary>
    /// specconv's setupUserNamespace: a joined user namespace may not come with other mappings than its own; the
    /// container's root must be mapped (Config.HostRootUID/GID); and, beyond runc, every range must be one the
    /// kernel accepts (no overlaps), so a bad map fails here with a clear message rather than in nsexec.
    /// </summary>
    public static void UserNamespaceMappings(SpecLinux? linux, NamespaceSet namespaces)
    {
        if (!namespaces.Has("user")) return;
        string? path = namespaces.JoinedPath("user");
        if (!string.IsNullOrEmpty(path))
        {
            if (linux!.UidMappings is null && linux.GidMappings is null) return;
            var actual = IdMappings.OfNamespacePath(path);
            if (actual is null || !IdMappings.Same(actual.Value.Uid, linux.UidMappings) || !IdMappings.Same(actual.Value.Gid, linux.GidMappings))
                throw new ContainerException("user namespaces enabled, but both namespace path and non-matching mapping specified -- you may only provide one");
            Log.Warn("config.json has both a userns path to join and a matching userns mapping specified -- you may only provide one. Future versions of runc may return an error with this configuration.");
            return;
        }
        // As in runc 1.2, this (specconv) speaks before validate: no mappings at all is "no uid mappings found".
        IdMappings.CheckRanges(linux?.UidMappings, "uidMappings");
        IdMappings.CheckRanges(linux?.GidMappings, "gidMappings");
        IdMappings.HostIdOrThrow(linux?.UidMappings, 0, "uid");
        IdMappings.HostIdOrThrow(linux?.GidMappings, 0, "gid");
    }

    /// <summary>validate's namespaces (user part): mappings need a user namespace, a new one needs mappings.</summary>
    public static void UserNamespace(SpecLinux? linux, NamespaceSet namespaces)
    {
        bool hasMappings = linux?.UidMappings is not null || linux?.GidMappings is not null;
        if (namespaces.Has("user"))
        {
            bool hasPath = namespaces.JoinedPath("user") is not null;
            if (!hasPath && !hasMappings)
                throw new ContainerException("user namespaces enabled, but no namespace path to join nor mappings to apply specified");
        }
        else if (hasMappings)
        {
            throw new ContainerException("user namespace mappings specified, but user namespace isn't enabled in the config");
        }
    }

    /// <summary>validate's rootlessEUIDCheck: a user namespace with mappings, and no uid=/gid= mount option that
    /// is not mapped.</summary>
    public static void RootlessEuid(Spec spec, NamespaceSet namespaces)
    {
        var linux = spec.Linux;
        if (!namespaces.Has("user")) throw new ContainerException("rootless container requires user namespaces");
        bool joined = namespaces.JoinedPath("user") is not null;
        if (!joined)
        {
            if (linux?.UidMappings is not { Count: > 0 }) throw new ContainerException("rootless containers requires at least one UID mapping");
            if (linux.GidMappings is not { Count: > 0 }) throw new ContainerException("rootless containers requires at least one GID mapping");
        }
        foreach (var m in spec.Mounts ?? [])
        {
            foreach (string opt in m.Options ?? [])
            {
                if (opt.StartsWith("uid=", StringComparison.Ordinal) && uint.TryParse(opt.AsSpan(4), out uint uid) && !joined)
                {
                    try { IdMappings.HostIdOrThrow(linux!.UidMappings, uid, "uid"); }
                    catch (ContainerException ex) { throw new ContainerException($"cannot specify uid={uid} mount option for rootless container", ex); }
                }
                if (opt.StartsWith("gid=", StringComparison.Ordinal) && uint.TryParse(opt.AsSpan(4), out uint gid) && !joined)
                {
                    try { IdMappings.HostIdOrThrow(linux!.GidMappings, gid, "gid"); }
                    catch (ContainerException ex) { throw new ContainerException($"cannot specify gid={gid} mount option for rootless container", ex); }
                }
            }
        }
    }

    /// <summary>validate's checkIDMapMounts: idmapped mounts (uidMappings/gidMappings, or idmap/ridmap) are
    /// bind mounts only, not for rootless, with both maps (given, or the container's for idmap/ridmap alone).</summary>
    public static void IdMappedMounts(List<Mount>? mounts, bool rootlessEuid, bool userNs)
    {
        foreach (var m in mounts ?? [])
        {
            bool hasMaps = m.UidMappings is not null || m.GidMappings is not null;
            bool idmapOpt = m.Options?.Any(o => o is "idmap" or "ridmap") ?? false;
            if (!hasMaps && !idmapOpt) continue;
            string? err = null;
            bool bind = m.Options?.Any(o => o is "bind" or "rbind") ?? false;
            if (!bind) err = "id-mapped mounts are only supported for bind-mounts";
            else if (rootlessEuid) err = "id-mapped mounts are not supported for rootless containers";
            // idmap/ridmap alone take the container's user namespace (specconv), so they need one
            else if (hasMaps ? m.UidMappings is not { Count: > 0 } || m.GidMappings is not { Count: > 0 } : !userNs)
                err = "id-mapped mounts must have both uid and gid mappings specified";
            if (err is null && hasMaps)
            {
                IdMappings.CheckRanges(m.UidMappings, "uidMappings");
                IdMappings.CheckRanges(m.GidMappings, "gidMappings");
            }
            if (err is not null)
                throw new ContainerException($"invalid mount {{Source:{m.Source} Destination:{m.Destination} Type:{m.Type}}}: {err}");
        }
    }

    /// <summary>With systemd cgroups, cgroupsPath must be "slice:prefix:name".</summary>
    public static void CgroupsPath(string? path, bool systemd)
    {
        if (!systemd || string.IsNullOrEmpty(path)) return;
        if (path.Split(':').Length != 3)
            throw new ContainerException($"expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"{path}\" instead");
    }

    /// <summary>The rootfs must exist and be an absolute, symlink-free path ("invalid rootfs: ...").</summary>
    public static void Rootfs(string rootfs)
    {
        if (Libc.StatMode(Libc.AT_FDCWD, rootfs, 0, out _) != 0)
            throw new ContainerException("invalid rootfs", new SyscallException("stat", Check.LastErrno, rootfs));
        string? real;
        try { real = EvalSymlinks(DefaultSpec.CleanPath(Path.GetFullPath(rootfs)), 0); }
        catch (IOException ex) { throw new ContainerException("invalid rootfs", ex); }
        if (DefaultSpec.CleanPath(rootfs) != real)
            throw new ContainerException("invalid rootfs: not an absolute path, or a symlink");
    }

    /// <summary>Go's filepath.EvalSymlinks for a clean absolute path.</summary>
    internal static string EvalSymlinks(string path, int depth)
    {
        if (depth > 255) throw new IOException("EvalSymlinks: too many links");
        string cur = "/";
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string next = cur == "/" ? "/" + parts[i] : cur + "/" + parts[i];
            string? target = new FileInfo(next).LinkTarget;
            if (target is not null)
            {
                string baseDir = target.StartsWith('/') ? target : cur + "/" + target;
                string rest = string.Join('/', parts[(i + 1)..]);
                return EvalSymlinks(DefaultSpec.CleanPath(rest.Length > 0 ? baseDir + "/" + rest : baseDir), depth + 1);
            }
            cur = next;
        }
        return cur;
    }

    /// <summary>Namespaces the kernel lacks; time offsets need a time namespace.</summary>
    public static void KernelNamespaces(SpecLinux? linux, NamespaceSet namespaces, string procRoot)
    {
        if (namespaces.Has("user") && !File.Exists(procRoot + "/self/ns/user"))
            throw new ContainerException("user namespaces aren't enabled in the kernel");
        if (namespaces.Has("cgroup") && !File.Exists(procRoot + "/self/ns/cgroup"))
            throw new ContainerException("cgroup namespaces aren't enabled in the kernel");
        if (namespaces.Has("time") && !File.Exists(procRoot + "/self/ns/time"))
            throw new ContainerException("time namespaces aren't enabled in the kernel");
        if (linux?.TimeOffsets is not null && !namespaces.Has("time"))
            throw new ContainerException("time namespace offsets specified, but time namespace isn't enabled in the config");
        // runc 1.2.6: a joined time namespace keeps its own offsets (they can only be written before the first process)
        if (linux?.TimeOffsets is not null && namespaces.JoinedPath("time") is not null)
            throw new ContainerException("time namespace enabled, but both namespace path and time offsets specified -- you may only provide one");
    }

    private static readonly HashSet<string> s_ipcSysctls =
    [
        "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax",
        "kernel.shmmni", "kernel.shm_rmid_forced",
    ];

    /// <summary>Only namespaced sysctls, each with its namespace unshared. A network namespace joined by path counts
    /// as the host's when it is the caller's own (runc's isHostNetNS: "host" means "current").</summary>
    public static void Sysctl(Dictionary<string, string>? sysctl, NamespaceSet namespaces)
    {
        if (sysctl is null) return;
        bool? hostNet = null;
        foreach (string key in sysctl.Keys.Order(StringComparer.Ordinal))
        {
            string s = key.Replace('/', '.');
            if (s_ipcSysctls.Contains(s) || s.StartsWith("fs.mqueue.", StringComparison.Ordinal))
            {
                if (namespaces.Has("ipc")) continue;
                throw new ContainerException($"sysctl \"{key}\" is not allowed in the hosts ipc namespace");
            }
            if (s.StartsWith("net.", StringComparison.Ordinal))
            {
                hostNet ??= !namespaces.Has("network") || IsCurrentNetns(namespaces.JoinedPath("network"));
                if (!hostNet.Value) continue;
                throw new ContainerException($"sysctl \"{key}\" not allowed in host network namespace");
            }
            if (s == "kernel.hostname")
                throw new ContainerException($"sysctl \"{key}\" is not allowed as it conflicts with the OCI \"hostname\" field");
            if (s == "kernel.domainname")
            {
                if (namespaces.Has("uts")) continue;
                throw new ContainerException($"sysctl \"{key}\" is not allowed in the hosts uts namespace");
            }
            // runc 1.4 (#4889): user.* (ucounts) are per user namespace, so only with one
            if (s.StartsWith("user.", StringComparison.Ordinal))
            {
                if (namespaces.Has("user")) continue;
                throw new ContainerException($"setting ucounts without a user namespace not allowed: {s}");
            }
            throw new ContainerException($"sysctl \"{key}\" is not in a separate kernel namespace");
        }
    }

    /// <summary>Whether <paramref name="path"/> (a netns to join; null: a new one) is this process's own network
    /// namespace: nsfs inodes are unique per namespace.</summary>
    private static bool IsCurrentNetns(string? path)
    {
        if (path is null) return false;
        const string self = "/proc/self/ns/net";
        if (Libc.StatModeIno(Libc.AT_FDCWD, self, 0, out _, out ulong a) < 0)
            throw new ContainerException("invalid netns path", new SyscallException("stat", Check.LastErrno, self));
        if (Libc.StatModeIno(Libc.AT_FDCWD, path, 0, out _, out ulong b) < 0)
            throw new ContainerException("invalid netns path", new SyscallException("stat", Check.LastErrno, path));
        return a == b;
    }

    /// <summary>Relative mount destinations are only warned about (runc 1.1/1.2).</summary>
    public static void Mounts(List<Mount>? mounts)
    {
        foreach (var m in mounts ?? [])
            if (!m.Destination.StartsWith('/'))
                Log.Warn($"mount destination {m.Destination} is not absolute. Support for non-absolute mount destinations will be removed in a future release.");
    }
}
