using System.Text.Json.Serialization;

namespace Skiff.RuntimeSpec;

/// <summary>
/// The runtime-spec "Features structure" (features.md, runc's specs-go/features): what the runtime implements.
/// Every property but the two versions may be null (absent from the JSON); null is "not known", not false.
/// </summary>
public sealed class Features
{
    public string OciVersionMin { get; set; } = "";
    public string OciVersionMax { get; set; } = "";
    public List<string>? Hooks { get; set; }
    public List<string>? MountOptions { get; set; }
    public LinuxFeatures? Linux { get; set; }
    /// <summary>Sorted by key, as Go's encoder writes a map.</summary>
    public SortedDictionary<string, string>? Annotations { get; set; }
    public List<string>? PotentiallyUnsafeConfigAnnotations { get; set; }
}

/// <summary>features-linux.md, in runc's field order.</summary>
public sealed class LinuxFeatures
{
    public List<string>? Namespaces { get; set; }
    public List<string>? Capabilities { get; set; }
    public CgroupFeatures? Cgroup { get; set; }
    public SeccompFeatures? Seccomp { get; set; }
    public EnabledFeature? Apparmor { get; set; }
    public EnabledFeature? Selinux { get; set; }
    public IntelRdtFeatures? IntelRdt { get; set; }
    public MemoryPolicyFeatures? MemoryPolicy { get; set; }
    public MountExtensionsFeatures? MountExtensions { get; set; }
    public EnabledFeature? NetDevices { get; set; }
}

public sealed class CgroupFeatures
{
    public bool? V1 { get; set; }
    public bool? V2 { get; set; }
    public bool? Systemd { get; set; }
    public bool? SystemdUser { get; set; }
    public bool? Rdma { get; set; }
}

public sealed class SeccompFeatures
{
    public bool? Enabled { get; set; }
    public List<string>? Actions { get; set; }
    public List<string>? Operators { get; set; }
    public List<string>? Archs { get; set; }
    public List<string>? KnownFlags { get; set; }
    public List<string>? SupportedFlags { get; set; }
}

/// <summary>{"enabled": bool} (apparmor, selinux, intelRdt, mountExtensions.idmap, ...).</summary>
public sealed class EnabledFeature
{
    public bool? Enabled { get; set; }
}

/// <summary>runtime-spec 1.3: Intel RDT support in the runtime (not the host), with its schemata and monitoring fields.</summary>
public sealed class IntelRdtFeatures
{
    public bool? Enabled { get; set; }
    public bool? Schemata { get; set; }
    public bool? Monitoring { get; set; }
}

/// <summary>runtime-spec 1.3: the memory policy modes and flags the runtime recognises.</summary>
public sealed class MemoryPolicyFeatures
{
    public List<string>? Modes { get; set; }
    public List<string>? Flags { get; set; }
}

public sealed class MountExtensionsFeatures
{
    [JsonPropertyName("idmap")] public EnabledFeature? IdMap { get; set; }
}
