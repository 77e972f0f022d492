using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

/// <summary>The command-line choices of `exec` (runc's exec.go flags).</summary>
public sealed class ExecOptions
{
    public string Root { get; set; } = "/run/skiff";
    public string Id { get; set; } = "";
    /// <summary>--process FILE: a process.json that replaces everything below but tty/detach/pid-file.</summary>
    public string? ProcessFile { get; set; }
    public List<string> Args { get; set; } = [];
    public bool? Tty { get; set; }
    public string? ConsoleSocket { get; set; }
    public bool Detach { get; set; }
    public string? PidFile { get; set; }
    public string? Cwd { get; set; }
    public List<string> Env { get; set; } = [];
    /// <summary>--user UID[:GID]</summary>
    public string? User { get; set; }
    public List<uint> AdditionalGids { get; set; } = [];
    public List<string> Caps { get; set; } = [];
    public bool NoNewPrivs { get; set; }
    public string? AppArmor { get; set; }
    public string? ProcessLabel { get; set; }
    public int PreserveFds { get; set; }
    public bool IgnorePaused { get; set; }
    /// <summary>--cgroup: a sub-cgroup of the container's cgroup to put the process in.</summary>
    public string? SubCgroup { get; set; }

    /// <summary>
    /// The process to run: the --process file as is, or the container's process with the flags applied on top
    /// (runc's getProcess: args replaced, env appended, caps added to every set, user/cwd/tty overridden).
    /// </summary>
    public Process BuildProcess(Spec spec)
    {
        Process p;
        if (ProcessFile is not null)
        {
            byte[] json;
            try
            {
                json = File.ReadAllBytes(ProcessFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ContainerException($"open {ProcessFile}: {(ex is FileNotFoundException or DirectoryNotFoundException ? "no such file or directory" : ex.Message)}");
            }
            try
            {
                p = System.Text.Json.JsonSerializer.Deserialize(json, SpecJsonContext.Default.Process)
                    ?? throw new ContainerException($"parsing {ProcessFile}: empty process");
            }
            catch (System.Text.Json.JsonException ex)
            {
                throw new ContainerException($"parsing {ProcessFile}: {ex.Message}");
            }
            if (p.Args is null || p.Args.Count == 0) throw new ContainerException("args must not be empty");
            if (Tty is bool t) p.Terminal = t;
            return p;
        }
        var src = spec.Process ?? new Process();
        if (Args.Count == 0) throw new ContainerException("exec args cannot be empty");
        p = new Process
        {
            Terminal = Tty ?? false,
            ConsoleSize = src.ConsoleSize,
            User = new User { Uid = src.User.Uid, Gid = src.User.Gid, Umask = src.User.Umask, AdditionalGids = src.User.AdditionalGids?.ToList() },
            Args = Args.ToList(),
            Env = (src.Env ?? []).Concat(Env).ToList(),
            Cwd = Cwd ?? src.Cwd,
            Capabilities = CopyCaps(src.Capabilities),
            Rlimits = src.Rlimits,
            NoNewPrivileges = src.NoNewPrivileges || NoNewPrivs,
            ApparmorProfile = AppArmor ?? src.ApparmorProfile,
            SelinuxLabel = ProcessLabel ?? src.SelinuxLabel,
            OomScoreAdj = src.OomScoreAdj,
            Scheduler = src.Scheduler,
            IoPriority = src.IoPriority,
            ExecCpuAffinity = src.ExecCpuAffinity,
        };
        if (User is not null)
        {
            string[] parts = User.Split(':', 2);
            if (!uint.TryParse(parts[0], out uint uid) || (parts.Length == 2 && !uint.TryParse(parts[1], out _)))
                throw new ContainerException($"parsing {User} as int for uid failed");
            p.User.Uid = uid;
            if (parts.Length == 2) p.User.Gid = uint.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        if (AdditionalGids.Count > 0) p.User.AdditionalGids = AdditionalGids.ToList();
        if (Caps.Count > 0)
        {
            p.Capabilities ??= new LinuxCapabilities();
            foreach (string cap in Caps)
            {
                string name = cap.StartsWith("CAP_", StringComparison.Ordinal) ? cap : "CAP_" + cap.ToUpperInvariant();
                Add(p.Capabilities.Bounding ??= [], name);
                Add(p.Capabilities.Effective ??= [], name);
                Add(p.Capabilities.Permitted ??= [], name);
            }
        }
        return p;
    }

    private static void Add(List<string> set, string name)
    {
        if (!set.Contains(name)) set.Add(name);
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
