namespace Skiff;

/// <summary>Where the library finds its helper and keeps its files; every property has a working default.</summary>
public sealed class SkiffRuntimeOptions
{
    /// <summary>
    /// The skiff binary. Default: the SKIFF_BINARY environment variable, else the copy the package put next to
    /// the app (or under runtimes/linux-x64/native/).
    /// </summary>
    public string? BinaryPath { get; set; }

    /// <summary>
    /// The state directory (the CLI's --root). Default: the CLI's own, /run/skiff for root and
    /// $XDG_RUNTIME_DIR/skiff for an ordinary user, so `skiff list` shows the library's containers.
    /// </summary>
    public string? StateRoot { get; set; }

    /// <summary>
    /// Where the library writes each container's bundle (config.json, logs). Default: /run/skiff-dotnet for root,
    /// else $XDG_RUNTIME_DIR/skiff-dotnet (or /tmp/skiff-dotnet-UID).
    /// </summary>
    public string? BundleRoot { get; set; }
}
