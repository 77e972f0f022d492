using Skiff.LibContainer.Configs;
using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer.Rootfs;
using Skiff.LibContainer.Seccomp;
using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

/// <summary>
/// What `skiff features` reports (runc 1.2's features.go; runtime-spec features.md): the one place the Features
/// structure is put together. Each section comes from the table the runtime itself uses (hook names from
/// <see cref="HookNames"/>, mount options from the option parser, namespaces from validation, capabilities from the
/// capability table, seccomp names from the profile converter), so a feature added there shows up here. To report
/// something new (runc 1.5's keys, an annotation), add it to the section it belongs to below.
/// </summary>
public static class RuntimeFeatures
{
    /// <summary>The oldest config.json version skiff accepts (runc: 1.0.0).</summary>
    public const string OciVersionMin = "1.0.0";

    /// <summary>The hooks skiff runs, in the order of the lifecycle (runc's configs.KnownHookNames).</summary>
    public static readonly IReadOnlyList<string> HookNames =
        ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

    /// <summary>config.json annotations that change what skiff does (matched whole; a trailing "." is a prefix).</summary>
    public static readonly IReadOnlyList<string> ConfigAnnotations =
        [ProcessAttributes.CpuAffinity.Annotation, ProcessAttributes.Identity.KeepOriginalGroupsAnnotation];

    /// <summary>Annotation (runc's): "true" when checkpoint/restore can work here (a usable criu is installed).</summary>
    public const string AnnotationCheckpointEnabled = "org.opencontainers.runc.checkpoint.enabled";

    /// <summary>Annotation: the libseccomp version skiff loads (runc's).</summary>
    public const string AnnotationLibseccompVersion = "io.github.seccomp.libseccomp.version";

    /// <summary>Annotation: skiff's own version.</summary>
    public const string AnnotationSkiffVersion = "org.skiff.version";

    /// <summary>
    /// Builds the structure. <paramref name="version"/> is the binary's version; <paramref name="ociVersionMax"/> the
    /// runtime-spec version it implements.
    /// </summary>
    public static Features Build(string version, string ociVersionMax)
    {
        var features = new Features
        {
            OciVersionMin = OciVersionMin,
            OciVersionMax = ociVersionMax,
            Hooks = [.. HookNames],
            MountOptions = [.. MountOptions.Known],
            Linux = new LinuxFeatures
            {
                Namespaces = NamespaceTypes(),
                Capabilities = [.. CapabilityNames.All],
                Cgroup = new CgroupFeatures
                {
                    V1 = true,
                    V2 = true,
                    Systemd = true,
                    SystemdUser = false, // the systemd driver talks to the system bus only
                    Rdma = true,
                },
                Apparmor = new EnabledFeature { Enabled = true },
                Selinux = new EnabledFeature { Enabled = true },
                // runtime-spec: what the runtime implements, irrespective of the host (resctrl is absent here)
                IntelRdt = new IntelRdtFeatures { Enabled = true, Schemata = true, Monitoring = true },
                MemoryPolicy = new MemoryPolicyFeatures
                {
                    Modes = [.. MemoryPolicy.Modes.Keys.Order(StringComparer.Ordinal)],
                    Flags = [.. MemoryPolicy.Flags.Keys.Order(StringComparer.Ordinal)],
                },
                NetDevices = new EnabledFeature { Enabled = true },
                MountExtensions = new MountExtensionsFeatures { IdMap = new EnabledFeature { Enabled = true } },
            },
            Annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                [AnnotationSkiffVersion] = version,
            },
            PotentiallyUnsafeConfigAnnotations = [.. ConfigAnnotations],
        };
        AddSeccomp(features);
        if (Criu.CriuSupport.IsSupported(out _)) features.Annotations[AnnotationCheckpointEnabled] = "true";
        return features;
    }

    /// <summary>runc: the seccomp section (and the libseccomp annotation) only when seccomp is usable.</summary>
    /// <summary>The OCI namespace types skiff knows, sorted.</summary>
    private static List<string> NamespaceTypes()
    {
        var types = new List<string>();
        foreach (Namespaces.Kind k in Namespaces.All) types.Add(k.Type);
        types.Sort(StringComparer.Ordinal);
        return types;
    }

    private static void AddSeccomp(Features features)
    {
        if (!Libseccomp.TryLoad(out _)) return;
        features.Linux!.Seccomp = new SeccompFeatures
        {
            Enabled = true,
            Actions = [.. SeccompNames.KnownActions()],
            Operators = [.. SeccompNames.KnownOperators()],
            Archs = [.. SeccompNames.KnownArchitectures()],
            KnownFlags = [.. SeccompNames.KnownFlags()],
            SupportedFlags = SeccompFilter.SupportedFlags(),
        };
        features.Annotations![AnnotationLibseccompVersion] = Libseccomp.Version();
    }
}
