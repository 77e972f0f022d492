namespace Skiff.LibContainer.Criu;

/// <summary>The command-line choices of `checkpoint` and `restore` (runc's CriuOpts).</summary>
public sealed class CriuOptions
{
    /// <summary>Where criu writes (checkpoint) or reads (restore) the images; created 0700 by checkpoint.</summary>
    public string ImagesDirectory { get; set; } = "";
    /// <summary>Where criu puts its log and work files; the image directory when empty.</summary>
    public string WorkDirectory { get; set; } = "";
    /// <summary>criu's work directory in effect: where its log is.</summary>
    public string LogDirectory => WorkDirectory.Length > 0 ? WorkDirectory : ImagesDirectory;
    /// <summary>A pre-dump's images, relative to <see cref="ImagesDirectory"/> (criu's parent_img).</summary>
    public string ParentImage { get; set; } = "";
    public bool LeaveRunning { get; set; }
    public bool TcpEstablished { get; set; }
    public bool TcpSkipInFlight { get; set; }
    public bool LinkRemap { get; set; }
    public bool ExternalUnixConnections { get; set; }
    public bool ShellJob { get; set; }
    public bool FileLocks { get; set; }
    /// <summary>Dump the memory only and leave the container running (iterative migration).</summary>
    public bool PreDump { get; set; }
    public string PageServerAddress { get; set; } = "";
    public int PageServerPort { get; set; }
    public bool LazyPages { get; set; }
    /// <summary>criu writes \0 here once the lazy-pages server is ready; -1 for none.</summary>
    public int StatusFd { get; set; } = -1;
    /// <summary>soft|full|strict|ignore, or "" for criu's default.</summary>
    public string ManageCgroupsMode { get; set; } = "";
    /// <summary>CLONE_NEW* flags of namespaces criu creates empty; runc always adds CLONE_NEWNET.</summary>
    public uint EmptyNs { get; set; }
    public bool AutoDedup { get; set; }
    public string LsmProfile { get; set; } = "";
    public string LsmMountContext { get; set; } = "";
}
