using Skiff.LibContainer.Wire;
using System.Text.Json.Serialization;

namespace Skiff.LibContainer.Configs;

/// <summary>Source-generated JSON for skiff's own files and messages (state.json, InitConfig).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(InitConfig))]
[JsonSerializable(typeof(Wire.MountRequest))]
internal sealed partial class SkiffJsonContext : JsonSerializerContext
{
}
