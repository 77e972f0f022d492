using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Skiff.RuntimeSpec;

/// <summary>
/// The one place the OCI <see cref="State"/> is built and written: `state`'s source, the hooks' stdin and the seccomp
/// agent's <c>state</c> field all come from here.
/// </summary>
public static class States
{
    /// <summary>The state of container <paramref name="id"/> created from <paramref name="spec"/>.</summary>
    public static State Of(Spec spec, string id, string status, int pid, string bundle) => new()
    {
        OciVersion = spec.OciVersion,
        Id = id,
        Status = status,
        Pid = pid,
        Bundle = bundle,
        Annotations = spec.Annotations,
    };

    /// <summary>The writer options for any JSON document that carries the state (Go's encoding/json leaves
    /// non-ASCII text unescaped).</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Go's json.Marshal(specs.State): compact, fields in struct order, pid and annotations omitempty,
    /// annotation keys sorted.</summary>
    public static byte[] ToJson(State state)
    {
        var buf = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buf, WriterOptions)) Write(w, state);
        return buf.WrittenSpan.ToArray();
    }

    /// <summary>Writes <paramref name="state"/> as one JSON object (a value: the caller names the property).</summary>
    public static void Write(Utf8JsonWriter w, State state)
    {
        w.WriteStartObject();
        w.WriteString("ociVersion", state.OciVersion);
        w.WriteString("id", state.Id);
        w.WriteString("status", state.Status);
        if (state.Pid != 0) w.WriteNumber("pid", state.Pid);
        w.WriteString("bundle", state.Bundle);
        if (state.Annotations is { Count: > 0 })
        {
            w.WriteStartObject("annotations");
            foreach (string key in OrdinalKeys.Sorted(state.Annotations.Keys))
                w.WriteString(key, state.Annotations[key]);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }
}
