namespace Skiff;

/// <summary>A host directory or file made visible inside the container.</summary>
/// <param name="Source">The host path (made absolute).</param>
/// <param name="Destination">The absolute path inside the container.</param>
/// <param name="ReadOnly">Whether the container may only read it (the default).</param>
public sealed record BindMount(string Source, string Destination, bool ReadOnly = true);
