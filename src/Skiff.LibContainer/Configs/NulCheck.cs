using Skiff.Linux;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Configs;

/// <summary>
/// Refuses NUL bytes in every spec string that reaches a syscall or an exec (a C string ends at the first NUL, so
/// "/usr/bin/touch\0junk" would silently run /usr/bin/touch). Checked once, when the spec is loaded, before anything
/// is created: `invalid process.cwd "/tmp\x00x": contains nul byte (\x00)`; mounts with runc's own text.
/// </summary>
public static class NulCheck
{
    /// <summary>Checks the whole spec; the environment with <see cref="ProcessEnv"/>'s rules.</summary>
    public static void Spec(Spec spec)
    {
        One(spec.Root?.Path, "root.path");
        One(spec.Hostname, "hostname");
        One(spec.Domainname, "domainname");
        if (spec.Process is { } p) Process(p);
        foreach (var m in spec.Mounts ?? [])
        {
            if (Has(m.Source) || Has(m.Destination) || Has(m.Type) || (m.Options?.Exists(Has) ?? false))
                throw new ContainerException("mount field contains null byte");
        }
        if (spec.Hooks is { } h)
        {
            Hooks(h.Prestart, "prestart");
            Hooks(h.CreateRuntime, "createRuntime");
            Hooks(h.CreateContainer, "createContainer");
            Hooks(h.StartContainer, "startContainer");
            Hooks(h.Poststart, "poststart");
            Hooks(h.Poststop, "poststop");
        }
        if (spec.Linux is not { } l) return;
        One(l.CgroupsPath, "linux.cgroupsPath");
        One(l.RootfsPropagation, "linux.rootfsPropagation");
        One(l.MountLabel, "linux.mountLabel");
        List(l.MaskedPaths, "linux.maskedPaths");
        List(l.ReadonlyPaths, "linux.readonlyPaths");
        foreach (var ns in l.Namespaces ?? []) One(ns.Path, $"linux.namespaces[{ns.Type}].path");
        foreach (var d in l.Devices ?? []) One(d.Path, "linux.devices.path");
        foreach (var kv in l.Sysctl ?? [])
        {
            One(kv.Key, "linux.sysctl key");
            One(kv.Value, $"linux.sysctl[{kv.Key}]");
        }
        One(l.Seccomp?.ListenerPath, "linux.seccomp.listenerPath");
        One(l.IntelRdt?.ClosId, "linux.intelRdt.closID");
    }

    /// <summary>A process (config.json's, or exec's): args, cwd, labels, and the environment rules.</summary>
    public static void Process(Process p)
    {
        List(p.Args, "process.args");
        One(p.Cwd, "process.cwd");
        One(p.ApparmorProfile, "process.apparmorProfile");
        One(p.SelinuxLabel, "process.selinuxLabel");
        ProcessEnv.Prepare(p.Env);
    }

    private static void Hooks(List<Hook>? hooks, string kind)
    {
        for (int i = 0; i < (hooks?.Count ?? 0); i++)
        {
            var h = hooks![i];
            One(h.Path, $"hooks.{kind}[{i}].path");
            List(h.Args, $"hooks.{kind}[{i}].args");
            List(h.Env, $"hooks.{kind}[{i}].env");
        }
    }

    private static bool Has(string? s) => s is not null && s.Contains('\0', StringComparison.Ordinal);

    private static void One(string? s, string field)
    {
        if (Has(s)) throw new ContainerException($"invalid {field} {GoQuote.Quote(s!)}: contains nul byte (\\x00)");
    }

    private static void List(List<string>? list, string field)
    {
        for (int i = 0; i < (list?.Count ?? 0); i++) One(list![i], $"{field}[{i}]");
    }
}
