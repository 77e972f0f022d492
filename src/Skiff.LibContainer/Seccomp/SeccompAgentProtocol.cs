using System.Text.Json;
using Skiff.RuntimeSpec;

namespace Skiff.LibContainer.Seccomp;

/// <summary>
/// What the runtime sends to linux.seccomp.listenerPath: the runtime-spec ContainerProcessState as JSON (one
/// message on a SOCK_STREAM unix socket), with the notify fds attached as SCM_RIGHTS in the same order as
/// <c>fds</c> names them (runc: one fd, <c>["seccompFd"]</c>).
/// </summary>
internal static class SeccompAgentProtocol
{
    /// <summary>The name runc gives the notify fd in <c>fds</c> (specs.SeccompFdName).</summary>
    public const string SeccompFdName = "seccompFd";

    /// <summary>
    /// The JSON as Go's json.Marshal of specs.ContainerProcessState prints it: compact, fields in struct order,
    /// <c>metadata</c>, the state's <c>pid</c> (0) and <c>annotations</c> (empty) left out as omitempty does.
    /// </summary>
    public static byte[] ContainerProcessState(string ociVersion, string[] fds, int pid, string? metadata, State state)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, States.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("ociVersion", ociVersion);
            w.WriteStartArray("fds");
            foreach (string fd in fds) w.WriteStringValue(fd);
            w.WriteEndArray();
            w.WriteNumber("pid", pid);
            if (!string.IsNullOrEmpty(metadata)) w.WriteString("metadata", metadata);
            w.WritePropertyName("state");
            States.Write(w, state);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
