using System.Buffers;
using System.Text.Json;

namespace Skiff.LibContainer.Wire;

/// <summary>One sync-protocol message: its type and, for procError, the error text.</summary>
public readonly record struct SyncMessage(SyncType Type, string? Message = null)
{
    public byte[] Encode()
    {
        // the usual message is a bare type: written as is
        if (Message is null) return System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"{Type.Name()}\"}}");
        var buf = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(buf, new JsonWriterOptions { Encoder = Skiff.RuntimeSpec.Json.JsonEscaping.Instance }))
        {
            w.WriteStartObject();
            w.WriteString("type"u8, Type.Name());
            if (Message is not null) w.WriteString("message"u8, Message);
            w.WriteEndObject();
        }
        return buf.WrittenSpan.ToArray();
    }

    /// <summary>Parses one packet; malformed input is an error that quotes it.</summary>
    public static SyncMessage Decode(ReadOnlySpan<byte> packet)
    {
        SyncType? type = null;
        string? message = null;
        try
        {
            var r = new Utf8JsonReader(packet);
            if (!r.Read() || r.TokenType != JsonTokenType.StartObject) throw new JsonException("not an object");
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                string name = r.GetString()!;
                r.Read();
                if (name == "type")
                {
                    string t = r.GetString() ?? "";
                    type = SyncTypes.Parse(t) ?? throw new ContainerException($"unknown sync message type {t}");
                }
                else if (name == "message") message = r.GetString();
                else r.Skip();
            }
        }
        catch (JsonException ex)
        {
            throw new ContainerException($"malformed sync message {System.Text.Encoding.UTF8.GetString(packet)}", ex);
        }
        if (type is null) throw new ContainerException("sync message without a type");
        return new SyncMessage(type.Value, message);
    }

    public override string ToString() => Message is null ? Type.Name() : $"{Type.Name()} ({Message})";
}
