using System.Text.Json.Serialization;

namespace Skiff.LibContainer;

/// <summary>
/// The part of state.json that `state` and `list` print (and the status needs). Reading the whole file configures
/// System.Text.Json's metadata of the whole spec, most of a `state` call's work (11 of 20 M instructions): this
/// type reads the same file and skips the rest of the config.
/// </summary>
internal sealed class ContainerStateSummary
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("init_process_pid")] public int InitPid { get; set; }
    [JsonPropertyName("init_process_start")] public ulong InitStart { get; set; }
    [JsonPropertyName("created")] public DateTimeOffset Created { get; set; }
    [JsonPropertyName("cgroup_paths")] public Dictionary<string, string> CgroupPaths { get; set; } = [];
    [JsonPropertyName("rootless")] public bool Rootless { get; set; }
    [JsonPropertyName("skiff_creating")] public bool Creating { get; set; }
    [JsonPropertyName("skiff_creator_pid")] public int CreatorPid { get; set; }
    [JsonPropertyName("skiff_creator_start")] public ulong CreatorStart { get; set; }
    [JsonPropertyName("config")] public SpecSummary Config { get; set; } = new();

    /// <summary>The spec's fields the OCI state shows.</summary>
    internal sealed class SpecSummary
    {
        [JsonPropertyName("ociVersion")] public string OciVersion { get; set; } = "";
        [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    }

    /// <summary>A ContainerState holding only these fields (its config only ociVersion and annotations).</summary>
    public ContainerState ToState() => new()
    {
        Id = Id,
        Bundle = Bundle,
        Rootfs = Rootfs,
        InitPid = InitPid,
        InitStart = InitStart,
        Created = Created,
        CgroupPaths = CgroupPaths,
        Rootless = Rootless,
        Creating = Creating,
        CreatorPid = CreatorPid,
        CreatorStart = CreatorStart,
        Config = new RuntimeSpec.Spec { OciVersion = Config.OciVersion, Annotations = Config.Annotations },
    };
}

[JsonSerializable(typeof(ContainerStateSummary))]
internal sealed partial class StateSummaryJsonContext : JsonSerializerContext
{
}
