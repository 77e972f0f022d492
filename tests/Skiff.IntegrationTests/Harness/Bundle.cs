using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.IntegrationTests.Harness;

/// <summary>
/// An OCI bundle in its own directory: config.json made from <c>&lt;runtime&gt; spec</c> (once per test
/// run) and edited through the fluent helpers; the root is the shared busybox rootfs (absolute path) or,
/// after <see cref="PrivateRootfs"/>, a private copy in the bundle. <see cref="Save"/> writes config.json
/// (the runner calls it before create/run).
/// </summary>
public sealed class Bundle
{
    private static readonly Lazy<string> s_template = new(MakeTemplate);
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private Bundle(string dir, JsonObject config)
    {
        Dir = dir;
        Config = config;
        RootfsPath = BusyboxRootfs.SharedPath;
        Root["path"] = RootfsPath;
    }

    /// <summary>The bundle directory (absolute).</summary>
    public string Dir { get; }

    /// <summary>The config being edited.</summary>
    public JsonObject Config { get; }

    /// <summary>The rootfs the container will use (absolute).</summary>
    public string RootfsPath { get; private set; }

    public bool HasPrivateRootfs { get; private set; }

    public string ConfigPath => Path.Combine(Dir, "config.json");

    /// <summary>True when the runtime's own `spec` failed and runc's default config was used instead.</summary>
    public static bool TemplateIsFallback { get; private set; }

    public JsonObject Process => Obj(Config, "process");

    public JsonObject Linux => Obj(Config, "linux");

    public JsonObject Root => Obj(Config, "root");

    public JsonObject Resources => Obj(Linux, "resources");

    /// <summary>A new bundle under the test run's temp dir, terminal off, args as given (default: true).</summary>
    public static Bundle Create(string name, params string[] args)
    {
        var dir = Path.Combine(RepoPaths.TempRoot, "bundles", $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
        Directory.CreateDirectory(dir);
        var config = JsonNode.Parse(File.ReadAllText(s_template.Value))!.AsObject();
        var b = new Bundle(dir, config).Terminal(false);
        return args.Length > 0 ? b.Args(args) : b.Args("true");
    }

    public Bundle Args(params string[] args)
    {
        Process["args"] = new JsonArray(args.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray());
        return this;
    }

    /// <summary>args = sh -c script.</summary>
    public Bundle Shell(string script) => Args("sh", "-c", script);

    public Bundle Terminal(bool on)
    {
        Process["terminal"] = on;
        return this;
    }

    /// <summary>Sets (or replaces) NAME=value in process.env.</summary>
    public Bundle Env(string name, string value)
    {
        var env = Arr(Process, "env");
        for (var i = env.Count - 1; i >= 0; i--)
        {
            if (env[i]!.GetValue<string>().StartsWith(name + "=", StringComparison.Ordinal))
            {
                env.RemoveAt(i);
            }
        }
        env.Add(name + "=" + value);
        return this;
    }

    public Bundle Hostname(string name)
    {
        Config["hostname"] = name;
        return this;
    }

    public Bundle Cwd(string cwd)
    {
        Process["cwd"] = cwd;
        return this;
    }

    public Bundle User(uint uid, uint gid, params uint[] additionalGids)
    {
        var user = Obj(Process, "user");
        user["uid"] = uid;
        user["gid"] = gid;
        if (additionalGids.Length > 0)
        {
            user["additionalGids"] = new JsonArray(additionalGids.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray());
        }
        return this;
    }

    public Bundle Umask(uint umask)
    {
        Obj(Process, "user")["umask"] = umask;
        return this;
    }

    public Bundle NoNewPrivileges(bool on)
    {
        Process["noNewPrivileges"] = on;
        return this;
    }

    public Bundle OomScoreAdj(int value)
    {
        Process["oomScoreAdj"] = value;
        return this;
    }

    /// <summary>Sets (or replaces) an rlimit, e.g. ("RLIMIT_NOFILE", 1024, 100).</summary>
    public Bundle Rlimit(string type, ulong hard, ulong soft)
    {
        var rl = Arr(Process, "rlimits");
        for (var i = rl.Count - 1; i >= 0; i--)
        {
            if (rl[i]!["type"]!.GetValue<string>() == type)
            {
                rl.RemoveAt(i);
            }
        }
        rl.Add(new JsonObject { ["type"] = type, ["hard"] = hard, ["soft"] = soft });
        return this;
    }

    /// <summary>Sets bounding, effective and permitted to caps; ambient and inheritable are cleared.</summary>
    public Bundle Capabilities(params string[] caps)
    {
        var c = new JsonObject();
        foreach (var set in new[] { "bounding", "effective", "permitted" })
        {
            c[set] = new JsonArray(caps.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        }
        Process["capabilities"] = c;
        return this;
    }

    /// <summary>Sets one capability set ("bounding", "effective", "permitted", "inheritable", "ambient").</summary>
    public Bundle CapabilitySet(string set, params string[] caps)
    {
        Obj(Process, "capabilities")[set] = new JsonArray(caps.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        return this;
    }

    /// <summary>readonly root; a writable root gets a private rootfs copy so the shared one stays clean.</summary>
    public Bundle ReadonlyRoot(bool on)
    {
        Root["readonly"] = on;
        if (!on)
        {
            PrivateRootfs();
        }
        return this;
    }

    /// <summary>Gives this bundle its own copy of the rootfs at Dir/rootfs (root.path "rootfs").</summary>
    public Bundle PrivateRootfs()
    {
        if (!HasPrivateRootfs)
        {
            var dest = Path.Combine(Dir, "rootfs");
            BusyboxRootfs.CopyTo(dest);
            RootfsPath = dest;
            Root["path"] = "rootfs";
            HasPrivateRootfs = true;
        }
        return this;
    }

    /// <summary>Adds a mount; a destination not present in the shared rootfs switches to a private copy.</summary>
    public Bundle AddMount(string destination, string type, string source, params string[] options)
    {
        var onPseudoFs = destination.StartsWith("/proc/", StringComparison.Ordinal) ||
                         destination.StartsWith("/sys/", StringComparison.Ordinal) ||
                         destination.StartsWith("/dev/", StringComparison.Ordinal);
        if (!HasPrivateRootfs && !onPseudoFs && !Path.Exists(Path.Combine(RootfsPath, destination.TrimStart('/'))))
        {
            PrivateRootfs();
        }
        var m = new JsonObject { ["destination"] = destination, ["type"] = type, ["source"] = source };
        if (options.Length > 0)
        {
            m["options"] = new JsonArray(options.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        }
        Arr(Config, "mounts").Add(m);
        return this;
    }

    public Bundle RemoveMount(string destination)
    {
        var mounts = Arr(Config, "mounts");
        for (var i = mounts.Count - 1; i >= 0; i--)
        {
            if (mounts[i]!["destination"]!.GetValue<string>() == destination)
            {
                mounts.RemoveAt(i);
            }
        }
        return this;
    }

    public Bundle AddNamespace(string type, string? path = null)
    {
        RemoveNamespace(type);
        var ns = new JsonObject { ["type"] = type };
        if (path != null)
        {
            ns["path"] = path;
        }
        Arr(Linux, "namespaces").Add(ns);
        return this;
    }

    public Bundle RemoveNamespace(string type)
    {
        var nss = Arr(Linux, "namespaces");
        for (var i = nss.Count - 1; i >= 0; i--)
        {
            if (nss[i]!["type"]!.GetValue<string>() == type)
            {
                nss.RemoveAt(i);
            }
        }
        return this;
    }

    public bool HasNamespace(string type) => Arr(Linux, "namespaces").Any(n => n!["type"]!.GetValue<string>() == type);

    public Bundle Memory(long limit, long? swap = null)
    {
        var m = Obj(Resources, "memory");
        m["limit"] = limit;
        if (swap != null)
        {
            m["swap"] = swap;
        }
        return this;
    }

    public Bundle Pids(long limit)
    {
        Obj(Resources, "pids")["limit"] = limit;
        return this;
    }

    public Bundle CpuShares(ulong shares)
    {
        Obj(Resources, "cpu")["shares"] = shares;
        return this;
    }

    public Bundle CpuQuota(long quota, ulong period)
    {
        var cpu = Obj(Resources, "cpu");
        cpu["quota"] = quota;
        cpu["period"] = period;
        return this;
    }

    public Bundle CgroupsPath(string path)
    {
        Linux["cgroupsPath"] = path;
        return this;
    }

    /// <summary>Adds a hook of kind prestart/createRuntime/createContainer/startContainer/poststart/poststop.</summary>
    public Bundle AddHook(string kind, string path, string[] args, string[]? env = null, int? timeout = null)
    {
        var h = new JsonObject
        {
            ["path"] = path,
            ["args"] = new JsonArray(args.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray()),
        };
        if (env != null)
        {
            h["env"] = new JsonArray(env.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        }
        if (timeout != null)
        {
            h["timeout"] = timeout;
        }
        Arr(Obj(Config, "hooks"), kind).Add(h);
        return this;
    }

    public Bundle MaskedPaths(params string[] paths)
    {
        Linux["maskedPaths"] = new JsonArray(paths.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        return this;
    }

    public Bundle ReadonlyPaths(params string[] paths)
    {
        Linux["readonlyPaths"] = new JsonArray(paths.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        return this;
    }

    public Bundle Sysctl(string key, string value)
    {
        Obj(Linux, "sysctl")[key] = value;
        return this;
    }

    /// <summary>Adds a linux.devices entry (type "c"/"b"/"p", fileMode e.g. 0x1b6 for 0666).</summary>
    public Bundle AddDevice(string path, string type, long major, long minor, uint fileMode = 0x1b6, uint uid = 0, uint gid = 0)
    {
        Arr(Linux, "devices").Add(new JsonObject
        {
            ["path"] = path, ["type"] = type, ["major"] = major, ["minor"] = minor,
            ["fileMode"] = fileMode, ["uid"] = uid, ["gid"] = gid,
        });
        return this;
    }

    /// <summary>Adds a linux.resources.devices cgroup rule.</summary>
    public Bundle AllowDevice(string type, long major, long minor, string access = "rwm", bool allow = true)
    {
        Arr(Resources, "devices").Add(new JsonObject
        {
            ["allow"] = allow, ["type"] = type, ["major"] = major, ["minor"] = minor, ["access"] = access,
        });
        return this;
    }

    /// <summary>Edits the config freely.</summary>
    public Bundle Edit(Action<JsonObject> edit)
    {
        edit(Config);
        return this;
    }

    /// <summary>Writes config.json.</summary>
    public Bundle Save()
    {
        File.WriteAllText(ConfigPath, Config.ToJsonString(s_indented));
        return this;
    }

    public static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject o)
        {
            return o;
        }
        o = new JsonObject();
        parent[key] = o;
        return o;
    }

    public static JsonArray Arr(JsonObject parent, string key)
    {
        if (parent[key] is JsonArray a)
        {
            return a;
        }
        a = new JsonArray();
        parent[key] = a;
        return a;
    }

    /// <summary>
    /// Runs `&lt;runtime&gt; spec` once; if the runtime cannot (yet) produce a spec, falls back to runc's default
    /// config (runc-default-config.json) so the other features can still be tested; SpecTests checks `spec` itself.
    /// </summary>
    private static string MakeTemplate()
    {
        var dir = Path.Combine(RepoPaths.TempRoot, "spec-template");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "config.json");
        try
        {
            var r = new Runtime().Exec(["spec", "--bundle", dir], timeout: TimeSpan.FromSeconds(30), withRoot: false);
            if (r.ExitCode == 0 && JsonNode.Parse(File.ReadAllText(path)) is JsonObject o && o["process"] is JsonObject)
            {
                return path;
            }
        }
        catch (Exception e) when (e is IOException or JsonException or TimeoutException or System.ComponentModel.Win32Exception)
        {
        }
        TemplateIsFallback = true;
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Harness", "runc-default-config.json"), path, overwrite: true);
        return path;
    }
}
