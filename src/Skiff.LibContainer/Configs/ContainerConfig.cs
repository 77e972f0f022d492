using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Configs;

/// <summary>
/// What a container is made from (runc's configs.Config from specconv): the bundle's spec, loaded and validated
/// once at the edge, and what follows from it, derived once and built as new values (the loaded spec is never
/// changed): the namespaces, and the spec as applied, whose linux.resources.devices end with runc's default rules.
/// Create, run and restore take it; init gets <see cref="Spec"/> and <see cref="Namespaces"/>; state.json stores
/// <see cref="Spec"/>.
/// </summary>
public sealed class ContainerConfig
{
    private ContainerConfig()
    {
    }

    /// <summary>The validated spec as applied: linux present, linux.resources.devices the spec's rules followed by
    /// runc's default allowed devices (<see cref="CgroupDevices"/>); everything else as loaded.</summary>
    public required Spec Spec { get; init; }

    /// <summary>The container's namespaces, new and joined.</summary>
    public required NamespaceSet Namespaces { get; init; }

    /// <summary>runc's RootlessEUID, as the spec was validated for.</summary>
    public required bool RootlessEuid { get; init; }

    /// <summary>Loads bundle/config.json (<see cref="SpecLoader.Load"/>) and validates it (<see cref="Validated"/>).</summary>
    public static ContainerConfig Load(string bundle, bool systemdCgroup, bool? rootlessEuid = null) =>
        Validated(SpecLoader.Load(bundle), systemdCgroup, rootlessEuid);

    /// <summary>
    /// Validates a loaded spec (<see cref="Validate.Spec"/>: runc's errors) for the cgroup driver
    /// (<paramref name="systemdCgroup"/>) and <paramref name="rootlessEuid"/> (default: the effective uid is not 0),
    /// and builds the configuration from it. <paramref name="spec"/> itself is left as it is.
    /// </summary>
    public static ContainerConfig Validated(Spec spec, bool systemdCgroup, bool? rootlessEuid = null)
    {
        bool rootless = rootlessEuid ?? Libc.geteuid() != 0;
        var namespaces = Validate.Spec(spec, systemdCgroup, rootlessEuid: rootless);
        return new ContainerConfig { Spec = Applied(spec), Namespaces = namespaces, RootlessEuid = rootless };
    }

    /// <summary>A new spec sharing the loaded one's sections, with new linux and linux.resources sections holding the
    /// device rules the cgroup gets.</summary>
    private static Spec Applied(Spec spec)
    {
        var resources = spec.Linux?.Resources?.ShallowCopy() ?? new LinuxResources();
        resources.Devices = CgroupDevices.Effective(spec);
        var linux = spec.Linux?.ShallowCopy() ?? new RuntimeSpec.Linux();
        linux.Resources = resources;
        var applied = spec.ShallowCopy();
        applied.Linux = linux;
        return applied;
    }
}
