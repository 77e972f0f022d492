namespace Skiff.Cli.Commands;

/// <summary>runc's global flags after parsing (main.go).</summary>
internal sealed class GlobalOptions
{
    public string Root { get; set; } = App.DefaultRoot;
    public string? LogPath { get; set; }
    public string LogFormat { get; set; } = "text";
    public bool Debug { get; set; }
    public bool SystemdCgroup { get; set; }
    public string Rootless { get; set; } = "auto";
    public string Criu { get; set; } = "criu";
}
