using System.Text;
using Skiff.Cli.CommandLine;
using Skiff.Cli.Commands;

namespace Skiff.Cli;

/// <summary>Help screens in urfave/cli v1's template layout (what `runc --help` and `runc X --help` print).</summary>
internal static class Help
{
    public const string AppUsage = """
        Open Container Initiative runtime

        skiff is a command line client for running applications packaged according to
        the Open Container Initiative (OCI) format and is a compliant implementation of the
        Open Container Initiative specification.

        skiff integrates well with existing process supervisors to provide a production
        container runtime environment for applications. It can be used with your
        existing process monitoring tools and the container will be spawned as a
        direct child of the process supervisor.

        Containers are configured using bundles. A bundle for a container is a directory
        that includes a specification file named "config.json" and a root filesystem.
        The root filesystem contains the contents of the container.

        To start a new instance of a container:

            # skiff run [ -b bundle ] <container-id>

        Where "<container-id>" is your name for the instance of the container that you
        are starting. The name you provide for the container instance must be unique on
        your host. Providing the bundle directory using "-b" is optional. The default
        value for "bundle" is the current directory.
        """;

    public static string App(IReadOnlyList<Command> commands, IReadOnlyList<Flag> globalFlags)
    {
        var sb = new StringBuilder();
        sb.Append("NAME:\n   ").Append(Cli.App.Name).Append(" - ").Append(AppUsage).Append("\n\n");
        sb.Append("USAGE:\n   ").Append(Cli.App.Name).Append(" [global options] command [command options] [arguments...]\n\n");
        sb.Append("VERSION:\n   ").Append(Cli.App.VersionText.TrimEnd('\n')).Append("\n\n");
        sb.Append("COMMANDS:\n");
        var rows = new List<(string, string)>();
        foreach (Command c in commands)
            if (!c.Hidden) rows.Add((c.Name, c.Usage));
        rows.Add(("help, h", "Shows a list of commands or help for one command"));
        AppendColumns(sb, rows, "   ");
        sb.Append("\nGLOBAL OPTIONS:\n");
        var frows = new List<(string, string)>();
        foreach (Flag f in globalFlags)
            if (!f.Hidden) frows.Add((f.HelpName(), FlagUsage(f)));
        AppendColumns(sb, frows, "   ");
        return sb.ToString();
    }

    public static string ForCommand(Command c)
    {
        var sb = new StringBuilder();
        sb.Append("NAME:\n   ").Append(Cli.App.Name).Append(' ').Append(c.Name).Append(" - ").Append(c.Usage).Append("\n\n");
        sb.Append("USAGE:\n   ").Append(Cli.App.Name).Append(' ').Append(c.Name);
        bool hasFlags = c.Flags.Any(f => !f.Hidden);
        if (hasFlags) sb.Append(" [command options]");
        sb.Append(' ').Append(c.ArgsUsage.Length > 0 ? c.ArgsUsage : "[arguments...]").Append('\n');
        if (c.Description.Length > 0) sb.Append("\nDESCRIPTION:\n   ").Append(c.Description.TrimEnd('\n')).Append('\n');
        if (hasFlags)
        {
            sb.Append("\nOPTIONS:\n");
            var rows = new List<(string, string)>();
            foreach (Flag f in c.Flags)
                if (!f.Hidden) rows.Add((f.HelpName(), FlagUsage(f)));
            AppendColumns(sb, rows, "   ");
            sb.Append("   \n");
        }
        return sb.ToString();
    }

    private static string FlagUsage(Flag f) => f.DefaultText is null ? f.Usage : f.Usage + " (default: " + f.DefaultText + ")";

    // Go's tabwriter as urfave sets it up: minwidth 1, tabwidth 8, padding 2.
    private static void AppendColumns(StringBuilder sb, List<(string Left, string Right)> rows, string indent)
    {
        int width = 0;
        foreach (var r in rows) width = Math.Max(width, r.Left.Length);
        foreach (var r in rows)
            sb.Append(indent).Append(r.Left.PadRight(width + 2)).Append(r.Right).Append('\n');
    }
}
