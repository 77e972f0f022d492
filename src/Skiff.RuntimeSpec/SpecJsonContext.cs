using System.Text.Json.Serialization;

namespace Skiff.RuntimeSpec;

/// <summary>Source-generated (reflection-free) JSON for the spec types.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(Spec))]
[JsonSerializable(typeof(State))]
[JsonSerializable(typeof(LinuxResources))]
[JsonSerializable(typeof(Process))]
public sealed partial class SpecJsonContext : JsonSerializerContext
{
}
