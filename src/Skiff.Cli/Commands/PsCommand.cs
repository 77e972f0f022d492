using System.Text;
using Skiff.Cli.CommandLine;
using Skiff.LibContainer;
using Skiff.Linux;

namespace Skiff.Cli.Commands;

/// <summary>
/// runc's ps.go: the pids of the container's cgroup, as JSON, or the host's `ps` output (default "-ef") filtered
/// to those pids. `ps` is a user-facing listing, so it is the host's own tool, as in runc.
/// </summary>
internal sealed class PsCommand : Command
{
    public override string Name => "ps";
    public override string Usage => "ps displays the processes running inside a container";
    public override string ArgsUsage => "<container-id> [ps options]";
    public override bool SkipArgReorder => true;
    public override IReadOnlyList<Flag> Flags { get; } =
    [
        Flag.Str("format", "select one of: table or json", "table", "f"),
    ];

    public override int Run(Invocation inv)
    {
        inv.CheckArgs(1, ArgCheck.Min);
        Container c = inv.GetContainer();
        IReadOnlyList<int> pids = c.Pids();
        switch (inv.Args.String("format", "table"))
        {
            case "table":
                break;
            case "json":
                inv.Out.Write("[" + string.Join(',', pids) + "]\n");
                return 0;
            default:
                throw new ContainerException("invalid format option");
        }
        var psArgs = inv.Args.Positional.Skip(1).ToList();
        if (psArgs.Count == 0) psArgs = ["-ef"];
        var (status, output) = RunPs(psArgs);
        if (status != 0) throw new ContainerException($"exit status {status}: {output}");
        string[] lines = output.Split('\n');
        int pidIndex = Array.IndexOf(lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries), "PID");
        if (pidIndex < 0) throw new ContainerException("couldn't find PID field in ps output");
        var keep = new HashSet<int>(pids);
        var sb = new StringBuilder(lines[0]).Append('\n');
        foreach (string line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (pidIndex >= fields.Length || !int.TryParse(fields[pidIndex], out int pid))
                throw new ContainerException($"unable to parse pid: strconv.Atoi: parsing \"{(pidIndex < fields.Length ? fields[pidIndex] : "")}\": invalid syntax");
            if (keep.Contains(pid)) sb.Append(line).Append('\n');
        }
        inv.Out.Write(sb.ToString());
        return 0;
    }

    /// <summary>Runs the host's ps with stdout and stderr combined (Go's CombinedOutput); returns status and output.</summary>
    private static (int Status, string Output) RunPs(List<string> args)
    {
        string path = FindInPath("ps") ?? throw new ContainerException("exec: \"ps\": executable file not found in $PATH");
        var (read, write) = Libc.Pipe();
        SafeFd pidfd;
        using (read)
        {
            using (write)
            {
                using var devnull = Libc.Open("/dev/null", Libc.O_RDONLY);
                var env = Environment.GetEnvironmentVariables().Keys.Cast<string>()
                    .Select(k => $"{k}={Environment.GetEnvironmentVariable(k)}").ToList();
                pidfd = Libc.PidfdOpen(Spawner.Spawn(path, ["ps", .. args], env, [devnull.Fd, write.Fd, write.Fd]));
            }
            using SafeFd child = pidfd;
            var buf = new MemoryStream();
            Span<byte> chunk = stackalloc byte[4096];
            int n;
            while ((n = Libc.Read(read, chunk, "read ps output")) > 0) buf.Write(chunk[..n]);
            int status = Libc.WaitExit(child);
            return (status, Encoding.UTF8.GetString(buf.ToArray()));
        }
    }

    private static string? FindInPath(string name)
    {
        string pathVar = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        foreach (string dir in pathVar.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p)) return p;
        }
        return null;
    }
}
