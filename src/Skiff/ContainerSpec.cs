using System.Text.Json.Nodes;

namespace Skiff;

/// <summary>
/// What to run: a builder over the OCI runtime spec (config.json) with sensible defaults. The base is the
/// helper's own `skiff spec` (or `skiff spec --rootless` for an ordinary user): new pid, ipc, uts, mount and
/// cgroup namespaces, runc's default capabilities, masked and read-only /proc paths, no_new_privs. On top of it
/// the builder sets, unless told otherwise: a read-only root, a writable tmpfs on /tmp, no network (an empty
/// network namespace), and Docker's default seccomp profile. <see cref="Edit"/> reaches any other OCI field.
/// </summary>
public sealed class ContainerSpec
{
    private readonly List<KeyValuePair<string, string>> _env = [];
    private readonly List<BindMount> _mounts = [];
    private readonly List<Action<JsonObject>> _edits = [];

    /// <summary>Creates a spec that runs <paramref name="args"/> in the root filesystem <paramref name="rootfs"/>.</summary>
    /// <param name="rootfs">The container's root directory on the host (e.g. an unpacked busybox image).</param>
    /// <param name="args">The program and its arguments; the program is looked up in the container's PATH.</param>
    public ContainerSpec(string rootfs, params string[] args)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootfs);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0) throw new ArgumentException("a container needs a program to run", nameof(args));
        Rootfs = Path.GetFullPath(rootfs);
        Args = [.. args];
    }

    /// <summary>The container's root directory on the host (absolute).</summary>
    public string Rootfs { get; }

    /// <summary>The program and its arguments.</summary>
    public IReadOnlyList<string> Args { get; private set; }

    /// <summary>Environment variables added to the default PATH and TERM, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Environment => _env;

    /// <summary>The working directory inside the container (default "/").</summary>
    public string WorkingDirectory { get; private set; } = "/";

    /// <summary>The user id the process runs as inside the container (default 0).</summary>
    public uint Uid { get; private set; }

    /// <summary>The group id the process runs as inside the container (default 0).</summary>
    public uint Gid { get; private set; }

    /// <summary>The container's host name (default: the container's id).</summary>
    public string? Hostname { get; private set; }

    /// <summary>Memory limit in bytes (processes over it are OOM-killed), or null for none.</summary>
    public long? MemoryLimitBytes { get; private set; }

    /// <summary>CPU limit in CPUs (1.5 = one and a half CPUs of time per period), or null for none.</summary>
    public double? CpuLimit { get; private set; }

    /// <summary>Maximum number of processes and threads, or null for none.</summary>
    public long? PidsLimit { get; private set; }

    /// <summary>Whether the root filesystem is mounted read-only (default true; /tmp stays writable).</summary>
    public bool ReadOnlyRoot { get; private set; } = true;

    /// <summary>Whether /tmp is a fresh writable tmpfs (default true).</summary>
    public bool TmpfsTmp { get; private set; } = true;

    /// <summary>The container's network (default <see cref="NetworkMode.None"/>).</summary>
    public NetworkMode Network { get; private set; } = NetworkMode.None;

    /// <summary>Host paths bound into the container.</summary>
    public IReadOnlyList<BindMount> BindMounts => _mounts;

    /// <summary>Whether Docker's default seccomp profile filters the container's system calls (default true).</summary>
    public bool Seccomp { get; private set; } = true;

    /// <summary>Whether the process gets a pseudo-terminal instead of pipes (default false).</summary>
    public bool Terminal { get; private set; }

    /// <summary>Whether any cgroup limit (memory, CPU, pids) is set.</summary>
    public bool HasLimits => MemoryLimitBytes is not null || CpuLimit is not null || PidsLimit is not null;

    /// <summary>Replaces the program and its arguments.</summary>
    /// <param name="args">The program and its arguments.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithArgs(params string[] args)
    {
        if (args is null || args.Length == 0) throw new ArgumentException("a container needs a program to run", nameof(args));
        Args = [.. args];
        return this;
    }

    /// <summary>Sets an environment variable (a later value for the same name wins).</summary>
    /// <param name="name">The variable's name (no '=').</param>
    /// <param name="value">Its value.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithEnv(string name, string value)
    {
        Require.EnvName(name);
        _env.Add(new(name, value ?? ""));
        return this;
    }

    /// <summary>Sets the working directory inside the container.</summary>
    /// <param name="path">An absolute path inside the container.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithWorkingDirectory(string path)
    {
        WorkingDirectory = Require.Absolute(path, "the working directory", nameof(path));
        return this;
    }

    /// <summary>Runs the process as <paramref name="uid"/>:<paramref name="gid"/> inside the container.</summary>
    /// <param name="uid">User id inside the container.</param>
    /// <param name="gid">Group id inside the container.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithUser(uint uid, uint gid)
    {
        Uid = uid;
        Gid = gid;
        return this;
    }

    /// <summary>Sets the container's host name.</summary>
    /// <param name="hostname">The host name.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithHostname(string hostname)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostname);
        Hostname = hostname;
        return this;
    }

    /// <summary>Limits the container's memory; past it the kernel's OOM killer kills a process of the container.</summary>
    /// <param name="bytes">The limit in bytes (at least 1 MiB).</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithMemoryLimit(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L << 20);
        MemoryLimitBytes = bytes;
        return this;
    }

    /// <summary>Limits the container's CPU time to <paramref name="cpus"/> CPUs (CFS quota over a 100 ms period).</summary>
    /// <param name="cpus">CPUs, e.g. 0.5 or 2.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithCpuLimit(double cpus)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cpus, 0.01);
        CpuLimit = cpus;
        return this;
    }

    /// <summary>Limits how many processes and threads the container may have.</summary>
    /// <param name="max">The maximum (at least 1).</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithPidsLimit(long max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1L);
        PidsLimit = max;
        return this;
    }

    /// <summary>Mounts the root filesystem read-only (true, the default) or read-write.</summary>
    /// <param name="readOnly">Whether the root is read-only.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithReadOnlyRoot(bool readOnly = true)
    {
        ReadOnlyRoot = readOnly;
        return this;
    }

    /// <summary>Whether /tmp is a fresh writable tmpfs (true, the default).</summary>
    /// <param name="enabled">Whether to mount it.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithTmpfsTmp(bool enabled = true)
    {
        TmpfsTmp = enabled;
        return this;
    }

    /// <summary>Chooses the container's network.</summary>
    /// <param name="mode">None (an empty network namespace) or Host.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithNetwork(NetworkMode mode)
    {
        Network = mode;
        return this;
    }

    /// <summary>Binds a host path into the container.</summary>
    /// <param name="source">The host path.</param>
    /// <param name="destination">The absolute path inside the container.</param>
    /// <param name="readOnly">Whether the container may only read it (default true).</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithBindMount(string source, string destination, bool readOnly = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Require.Absolute(destination, "a mount destination", nameof(destination));
        _mounts.Add(new BindMount(Path.GetFullPath(source), destination, readOnly));
        return this;
    }

    /// <summary>Turns Docker's default seccomp profile on (the default) or off.</summary>
    /// <param name="enabled">Whether to filter system calls.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithSeccomp(bool enabled = true)
    {
        Seccomp = enabled;
        return this;
    }

    /// <summary>Gives the process a pseudo-terminal: the container's streams are then the terminal's master side.</summary>
    /// <param name="enabled">Whether to allocate a terminal.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec WithTerminal(bool enabled = true)
    {
        Terminal = enabled;
        return this;
    }

    /// <summary>
    /// Edits the OCI config.json after the builder's settings are applied: the escape hatch for any field of
    /// the runtime spec (annotations, capabilities, rlimits, sysctls, devices, hooks ...).
    /// </summary>
    /// <param name="edit">Receives the config.json object; runs when the container is created.</param>
    /// <returns>This spec.</returns>
    public ContainerSpec Edit(Action<JsonObject> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        _edits.Add(edit);
        return this;
    }

    /// <summary>The OCI config.json for this spec over <paramref name="template"/> (the output of `skiff spec`).</summary>
    internal JsonObject Build(JsonObject template, string id)
    {
        var c = (JsonObject)template.DeepClone();
        c["root"] = new JsonObject { ["path"] = Rootfs, ["readonly"] = ReadOnlyRoot };
        c["hostname"] = Hostname ?? id;
        var process = (JsonObject)c["process"]!;
        process["terminal"] = Terminal;
        process["args"] = Strings(Args);
        process["cwd"] = WorkingDirectory;
        process["user"] = new JsonObject { ["uid"] = Uid, ["gid"] = Gid };
        var env = new List<KeyValuePair<string, string>>();
        foreach (var e in process["env"]?.AsArray() ?? [])
        {
            string s = e!.GetValue<string>();
            int eq = s.IndexOf('=');
            if (eq > 0) env.Add(new(s[..eq], s[(eq + 1)..]));
        }
        foreach (var kv in _env)
        {
            env.RemoveAll(x => x.Key == kv.Key);
            env.Add(kv);
        }
        process["env"] = Strings(env.Select(kv => $"{kv.Key}={kv.Value}"));

        var linux = (JsonObject)c["linux"]!;
        var namespaces = linux["namespaces"]?.AsArray() ?? [];
        linux["namespaces"] = namespaces;
        JsonNode? net = namespaces.FirstOrDefault(n => (string?)n?["type"] == "network");
        if (Network == NetworkMode.Host && net is not null) namespaces.Remove(net);
        if (Network == NetworkMode.None && net is null) namespaces.Add((JsonNode)new JsonObject { ["type"] = "network" });

        if (HasLimits)
        {
            var resources = linux["resources"] as JsonObject ?? new JsonObject();
            linux["resources"] = resources;
            if (MemoryLimitBytes is long mem) resources["memory"] = new JsonObject { ["limit"] = mem };
            if (CpuLimit is double cpus)
                resources["cpu"] = new JsonObject { ["quota"] = (long)Math.Round(cpus * 100_000), ["period"] = 100_000UL };
            if (PidsLimit is long pids) resources["pids"] = new JsonObject { ["limit"] = pids };
        }

        var mounts = c["mounts"]?.AsArray() ?? [];
        c["mounts"] = mounts;
        if (TmpfsTmp)
        {
            mounts.Add((JsonNode)new JsonObject
            {
                ["destination"] = "/tmp", ["type"] = "tmpfs", ["source"] = "tmpfs",
                ["options"] = Strings(["nosuid", "nodev", "mode=1777", "size=65536k"]),
            });
        }
        foreach (var m in _mounts)
        {
            var options = new List<string> { "rbind", "nosuid", "nodev" };
            if (m.ReadOnly) options.Add("ro");
            mounts.Add((JsonNode)new JsonObject
            {
                ["destination"] = m.Destination, ["type"] = "bind", ["source"] = m.Source, ["options"] = Strings(options),
            });
        }
        if (Seccomp) linux["seccomp"] = DefaultSeccomp.Value.DeepClone();
        foreach (var edit in _edits) edit(c);
        return c;
    }

    private static JsonArray Strings(IEnumerable<string> items) => new([.. items.Select(s => (JsonNode?)JsonValue.Create(s))]);

    private static readonly Lazy<JsonNode> DefaultSeccomp = new(() =>
    {
        using var s = typeof(ContainerSpec).Assembly.GetManifestResourceStream("Skiff.seccomp-default.json")
            ?? throw new InvalidOperationException("the default seccomp profile is missing from the assembly");
        return JsonNode.Parse(s)!;
    });
}
