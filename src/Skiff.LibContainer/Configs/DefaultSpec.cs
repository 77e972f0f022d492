using Skiff.RuntimeSpec.Json;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Skiff.RuntimeSpec;
using SpecLinux = Skiff.RuntimeSpec.Linux;

namespace Skiff.LibContainer.Configs;

/// <summary>The starter config.json of `skiff spec` (runc 1.2's specconv.Example and ToRootless).</summary>
public static class DefaultSpec
{
    /// <summary>The runtime-spec version skiff implements (runc 1.4/1.5: specs-go 1.3.0); `spec` writes it.</summary>
    public const string OciVersion = "1.3.0";

    private static List<string> DefaultCaps() => ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

    /// <summary>runc 1.2's example spec: no ambient (or inheritable) capabilities; a cgroup namespace only on a
    /// cgroup2-only host.</summary>
    public static Spec Example() => Example(File.Exists("/sys/fs/cgroup/cgroup.controllers"));

    public static Spec Example(bool cgroup2Unified)
    {
        var spec = new Spec
        {
            OciVersion = OciVersion,
            Root = new Root { Path = "rootfs", Readonly = true },
            Process = new Process
            {
                Terminal = true,
                User = new User(),
                Args = ["sh"],
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                Cwd = "/",
                NoNewPrivileges = true,
                Capabilities = new LinuxCapabilities { Bounding = DefaultCaps(), Effective = DefaultCaps(), Permitted = DefaultCaps() },
                Rlimits = [new PosixRlimit { Type = "RLIMIT_NOFILE", Hard = 1024, Soft = 1024 }],
            },
            Hostname = "skiff",
            Mounts =
            [
                new Mount { Destination = "/proc", Type = "proc", Source = "proc" },
                new Mount { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
                new Mount { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
                new Mount { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
                new Mount { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
                new Mount { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", "ro"] },
                new Mount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["nosuid", "noexec", "nodev", "relatime", "ro"] },
            ],
            Linux = new SpecLinux
            {
                MaskedPaths =
                [
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                    "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
                ],
                ReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
                Resources = new LinuxResources { Devices = [new LinuxDeviceCgroup { Allow = false, Access = "rwm" }] },
                Namespaces =
                [
                    new LinuxNamespace { Type = "pid" }, new LinuxNamespace { Type = "network" }, new LinuxNamespace { Type = "ipc" },
                    new LinuxNamespace { Type = "uts" }, new LinuxNamespace { Type = "mount" },
                ],
            },
        };
        if (cgroup2Unified) spec.Linux.Namespaces!.Add(new LinuxNamespace { Type = "cgroup" });
        return spec;
    }

    /// <summary>runc's ToRootless: no network namespace, a user namespace mapping root to the caller, /sys as an
    /// rbind, no uid=/gid= mount options, no cgroup resources.</summary>
    public static void ToRootless(Spec spec, uint euid, uint egid)
    {
        var linux = spec.Linux ??= new SpecLinux();
        var namespaces = new List<LinuxNamespace>();
        foreach (var ns in linux.Namespaces ?? [])
            if (ns.Type is not ("network" or "user")) namespaces.Add(ns);
        namespaces.Add(new LinuxNamespace { Type = "user" });
        linux.Namespaces = namespaces;
        linux.UidMappings = [new LinuxIdMapping { HostId = euid, ContainerId = 0, Size = 1 }];
        linux.GidMappings = [new LinuxIdMapping { HostId = egid, ContainerId = 0, Size = 1 }];

        var mounts = new List<Mount>();
        foreach (var m in spec.Mounts ?? [])
        {
            if (CleanPath(m.Destination) == "/sys")
            {
                mounts.Add(new Mount { Source = "/sys", Destination = "/sys", Type = "none", Options = ["rbind", "nosuid", "noexec", "nodev", "ro"] });
                continue;
            }
            List<string>? options = null;
            foreach (string o in m.Options ?? [])
                if (!o.StartsWith("gid=", StringComparison.Ordinal) && !o.StartsWith("uid=", StringComparison.Ordinal))
                    (options ??= []).Add(o);
            m.Options = options;
            mounts.Add(m);
        }
        spec.Mounts = mounts;
        linux.Resources = null;
    }

    /// <summary>config.json bytes as runc writes them: json.MarshalIndent(spec, "", "\t"), no trailing newline.</summary>
    public static byte[] Serialize(Spec spec)
    {
        return JsonShapes.ToUtf8(spec, SpecShapes.Spec, new JsonWriterOptions
        {
            Indented = true,
            IndentCharacter = '\t',
            IndentSize = 1,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
    }

    /// <summary>Go's filepath.Clean for absolute and relative paths.</summary>
    public static string CleanPath(string p) => Skiff.Linux.GoPath.Clean(p);
}
