using System.Globalization;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

/// <summary>The command-line choices of `exec` (runc's exec.go flags).</summary>
public sealed class ExecOptions
{
    /// <summary>`skiff init` spawned already (<see cref="Container.SpawnInit"/> with setns); null: spawned when
    /// needed. The caller disposes it: a no-op once exec has taken it over.</summary>
    public Processes.InitChild? Init { get; set; }
    /// <summary>--process FILE: a process.json used as is (the other process flags are ignored, as in runc).</summary>
    public string? ProcessFile { get; set; }
    /// <summary>The command and its arguments (everything after the container id).</summary>
    public List<string> Args { get; set; } = [];
    /// <summary>--tty; null when not given (the process then gets no terminal).</summary>
    public bool? Tty { get; set; }
    public string? ConsoleSocket { get; set; }
    /// <summary>--pidfd-socket: an AF_UNIX socket that gets a pidfd of the new process.</summary>
    public string? PidfdSocket { get; set; }
    public bool Detach { get; set; }
    public string? PidFile { get; set; }
    public string? Cwd { get; set; }
    public List<string> Env { get; set; } = [];
    /// <summary>--user UID[:GID]</summary>
    public string? User { get; set; }
    public List<long> AdditionalGids { get; set; } = [];
    public List<string> Caps { get; set; } = [];
    /// <summary>--no-new-privs; null when not given (the spec's value stays).</summary>
    public bool? NoNewPrivs { get; set; }
    public string? AppArmor { get; set; }
    public string? ProcessLabel { get; set; }
    public int PreserveFds { get; set; }
    public bool IgnorePaused { get; set; }
    /// <summary>--cgroup values: "[controller[,controller]:]path" of existing sub-cgroups of the container's.</summary>
    public List<string> SubCgroups { get; set; } = [];

    /// <summary>
    /// The process to run (runc's getProcess): the --process file as is, or the spec's process with the flags
    /// applied on top (args replaced, env appended, caps added, user/cwd/tty/no-new-privs overridden), then
    /// validated as runc's validateProcessSpec.
    /// </summary>
    public Process BuildProcess(Spec spec)
    {
        Process p;
        if (!string.IsNullOrEmpty(ProcessFile))
        {
            p = ReadProcessFile(ProcessFile);
            Validate(p);
            return p;
        }
        var src = spec.Process ?? throw new ContainerException("process property must not be empty");
        p = new Process
        {
            Terminal = Tty ?? false,
            ConsoleSize = src.ConsoleSize,
            User = new User
            {
                Uid = src.User.Uid, Gid = src.User.Gid, Umask = src.User.Umask,
                AdditionalGids = src.User.AdditionalGids is { } gids ? new List<uint>(gids) : null, Username = src.User.Username,
            },
            Args = Args.ToList(),
            Env = (src.Env ?? []).Concat(Env).ToList(),
            Cwd = string.IsNullOrEmpty(Cwd) ? src.Cwd : Cwd,
            Capabilities = CopyCaps(src.Capabilities),
            Rlimits = src.Rlimits,
            NoNewPrivileges = NoNewPrivs ?? src.NoNewPrivileges,
            ApparmorProfile = string.IsNullOrEmpty(AppArmor) ? src.ApparmorProfile : AppArmor,
            SelinuxLabel = string.IsNullOrEmpty(ProcessLabel) ? src.SelinuxLabel : ProcessLabel,
            OomScoreAdj = src.OomScoreAdj,
            Scheduler = src.Scheduler,
            IoPriority = src.IoPriority,
            ExecCpuAffinity = src.ExecCpuAffinity,
        };
        if (Caps.Count > 0)
        {
            var c = p.Capabilities ??= new LinuxCapabilities();
            foreach (string cap in Caps)
            {
                string name = cap.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? cap.ToUpperInvariant() : "CAP_" + cap.ToUpperInvariant();
                (c.Bounding ??= []).Add(name);
                (c.Effective ??= []).Add(name);
                (c.Permitted ??= []).Add(name);
                // ambient needs inheritable, which --cap does not add: only where the spec has inheritable bits
                if (c.Inheritable is not null) (c.Ambient ??= []).Add(name);
            }
        }
        if (!string.IsNullOrEmpty(User))
        {
            string[] u = User.Split(':', 2);
            if (u.Length > 1) p.User.Gid = (uint)Atoi(u[1], "gid");
            p.User.Uid = (uint)Atoi(u[0], "uid");
        }
        foreach (long gid in AdditionalGids)
        {
            if (gid < 0) throw new ContainerException($"additional-gids must be a positive number {gid}");
            (p.User.AdditionalGids ??= []).Add((uint)gid);
        }
        Validate(p);
        return p;
    }

    /// <summary>runc's validateProcessSpec.</summary>
    public static void Validate(Process p)
    {
        if (string.IsNullOrEmpty(p.Cwd)) throw new ContainerException("Cwd property must not be empty");
        if (!p.Cwd.StartsWith('/')) throw new ContainerException("Cwd must be an absolute path");
        if (p.Args is null || p.Args.Count == 0) throw new ContainerException("args must not be empty");
        Configs.NulCheck.Process(p);
        if (!string.IsNullOrEmpty(p.SelinuxLabel) && !File.Exists("/sys/fs/selinux/enforce"))
            throw new ContainerException("selinux label is specified in config, but selinux is disabled or not supported");
    }

    /// <summary>
    /// runc's getSubCgroupPaths: null when none; "path" alone (one value only) is the same sub-path in every
    /// hierarchy (key ""); "cpu,memory:path" names controllers, each at most once.
    /// </summary>
    public static Dictionary<string, string>? ParseSubCgroups(IReadOnlyList<string> args)
    {
        if (args.Count == 0) return null;
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string c in args)
        {
            int colon = c.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                string path = c[(colon + 1)..];
                foreach (string ctrl in c[..colon].Split(','))
                {
                    if (ctrl.Length == 0) throw new ContainerException($"invalid --cgroup argument: {c} (empty <controller> prefix)");
                    if (!paths.TryAdd(ctrl, path))
                        throw new ContainerException($"invalid --cgroup argument(s): controller {ctrl} specified multiple times");
                }
            }
            else
            {
                if (args.Count != 1) throw new ContainerException($"invalid --cgroup argument: {c} (missing <controller>: prefix)");
                paths[""] = c;
            }
        }
        return paths;
    }

    private static Process ReadProcessFile(string file)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(file);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ContainerException($"open {file}: no such file or directory");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ContainerException($"open {file}: {ex.Message}");
        }
        try
        {
            return Skiff.RuntimeSpec.GoJson.GoJsonDecoder.Decode<Process>(json, Skiff.RuntimeSpec.Json.SpecShapes.Process)
                ?? throw new ContainerException("process property must not be empty");
        }
        catch (Skiff.RuntimeSpec.GoJson.GoJsonException ex)
        {
            throw new ContainerException($"parsing {file}: {ex.Message}");
        }
    }

    /// <summary>Go's strconv.Atoi as runc uses it for --user, with runc's message.</summary>
    private static long Atoi(string s, string what)
    {
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) && v is >= int.MinValue and <= int.MaxValue)
            return v;
        throw new ContainerException($"parsing {s} as int for {what} failed: strconv.Atoi: parsing \"{s}\": invalid syntax");
    }

    private static LinuxCapabilities? CopyCaps(LinuxCapabilities? c) => c is null ? null : new LinuxCapabilities
    {
        Bounding = c.Bounding?.ToList(),
        Effective = c.Effective?.ToList(),
        Inheritable = c.Inheritable?.ToList(),
        Permitted = c.Permitted?.ToList(),
        Ambient = c.Ambient?.ToList(),
    };
}
