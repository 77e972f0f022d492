using System.Text.Json;

namespace Skiff;

/// <summary>A container's state, as `skiff state ID` prints it (the OCI state, plus runc's owner).</summary>
/// <param name="Id">The container's id.</param>
/// <param name="Status">Its status.</param>
/// <param name="Pid">The host pid of its init process (0 once it is stopped).</param>
/// <param name="Bundle">The bundle directory its config.json was read from.</param>
/// <param name="Rootfs">Its root filesystem on the host.</param>
/// <param name="Created">When it was created.</param>
/// <param name="Owner">The user that owns it ("" when not reported).</param>
/// <param name="Annotations">The spec's annotations.</param>
public sealed record ContainerState(
    string Id,
    ContainerStatus Status,
    int Pid,
    string Bundle,
    string Rootfs,
    DateTimeOffset Created,
    string Owner,
    IReadOnlyDictionary<string, string> Annotations)
{
    internal static ContainerState Parse(JsonElement e)
    {
        var annotations = new Dictionary<string, string>();
        if (e.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object)
            foreach (var p in a.EnumerateObject())
                annotations[p.Name] = p.Value.GetString() ?? "";
        return new ContainerState(
            Str(e, "id"),
            ParseStatus(Str(e, "status")),
            e.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number ? pid.GetInt32() : 0,
            Str(e, "bundle"),
            Str(e, "rootfs"),
            DateTimeOffset.TryParse(Str(e, "created"), out var created) ? created : default,
            Str(e, "owner"),
            annotations);
    }

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    internal static ContainerStatus ParseStatus(string s) => s switch
    {
        "creating" => ContainerStatus.Creating,
        "created" => ContainerStatus.Created,
        "running" => ContainerStatus.Running,
        "paused" => ContainerStatus.Paused,
        "stopped" => ContainerStatus.Stopped,
        _ => throw new SkiffException($"unknown container status {s}"),
    };
}
