using System.Text.Json.Serialization;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer;

/// <summary>
/// root/id/state.json: what a later skiff process needs to find the container again (runc's State).
/// Written atomically (temporary file + rename) so a reader never sees half of it.
/// </summary>
public sealed class ContainerState
{
    [JsonPropertyName("id")] public string Id { get; set; } = "";
    [JsonPropertyName("bundle")] public string Bundle { get; set; } = "";
    [JsonPropertyName("rootfs")] public string Rootfs { get; set; } = "";
    [JsonPropertyName("init_process_pid")] public int InitPid { get; set; }
    /// <summary>Field 22 of /proc/PID/stat when init started: guards against pid reuse.</summary>
    [JsonPropertyName("init_process_start")] public ulong InitStart { get; set; }
    [JsonPropertyName("created")] public DateTimeOffset Created { get; set; }
    [JsonPropertyName("cgroup_paths")] public Dictionary<string, string> CgroupPaths { get; set; } = [];
    [JsonPropertyName("namespace_paths")] public Dictionary<string, string> NamespacePaths { get; set; } = [];
    [JsonPropertyName("systemd_cgroup")] public bool SystemdCgroup { get; set; }
    /// <summary>The container's Intel RDT (resctrl) group, when linux.intelRdt is set (runc's intel_rdt_path).</summary>
    [JsonPropertyName("intel_rdt_path")] public string? IntelRdtPath { get; set; }
    /// <summary>Whether create made the RDT group directory (runc 1.5 removes only such a group at delete).</summary>
    [JsonPropertyName("intel_rdt_created")] public bool IntelRdtCreated { get; set; }
    [JsonPropertyName("rootless")] public bool Rootless { get; set; }
    /// <summary>
    /// True from the moment `create` has its state directory until init reported ready: the record then lists what
    /// create is about to make (cgroup paths, RDT group, init's pid once known), so that after a crash at any
    /// moment `delete --force` finds and removes all of it. Cleared in the state.json written once procRun is sent.
    /// </summary>
    [JsonPropertyName("skiff_creating")] public bool Creating { get; set; }
    /// <summary>The `create` process writing this record (pid, start time): while it lives the container is
    /// "creating"; once it is gone with <see cref="Creating"/> still set, create crashed and the container is stopped.</summary>
    [JsonPropertyName("skiff_creator_pid")] public int CreatorPid { get; set; }
    [JsonPropertyName("skiff_creator_start")] public ulong CreatorStart { get; set; }
    /// <summary>Init's fds 0..2 as /proc showed them at start ("pipe:[123]"...): checkpoint writes them to
    /// descriptors.json so restore can hand the new stdio in their place (runc's external_descriptors).</summary>
    [JsonPropertyName("external_descriptors")] public List<string>? ExternalDescriptors { get; set; }
    [JsonPropertyName("config")] public Spec Config { get; set; } = new();
}
