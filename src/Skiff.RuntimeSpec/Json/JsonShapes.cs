using System.Buffers;
using System.Collections;
using System.Text.Json;

namespace Skiff.RuntimeSpec.Json;

/// <summary>
/// Writes and reads values by their <see cref="JsonShape"/>: the bytes System.Text.Json's serializer wrote for these
/// classes before (fields in declaration order, null fields left out), at a fraction of its start-up cost. Reading
/// is for documents skiff wrote itself (state.json, the init config): names match exactly, unknown names are skipped.
/// config.json and process.json are read by GoJsonDecoder, as runc reads them.
/// </summary>
public static class JsonShapes
{
    /// <summary><paramref name="value"/> as UTF-8 JSON.</summary>
    public static byte[] ToUtf8(object value, ObjectShape shape, JsonWriterOptions options = default) =>
        ToUtf8(value, shape, new ArrayBufferWriter<byte>(4096), options).ToArray();

    /// <summary><paramref name="value"/> as UTF-8 JSON in <paramref name="buf"/>, which is emptied first: for a caller
    /// that writes again and again (state.json), without a new buffer and a copy each time. The bytes are
    /// <paramref name="buf"/>'s until it is used again.</summary>
    public static ReadOnlySpan<byte> ToUtf8(object value, ObjectShape shape, ArrayBufferWriter<byte> buf,
        JsonWriterOptions options = default)
    {
        buf.ResetWrittenCount();
        // the default escaping, without the default encoder's set-up (JsonEscaping)
        options.Encoder ??= JsonEscaping.Instance;
        using (var w = new Utf8JsonWriter(buf, options)) Write(w, value, shape);
        return buf.WrittenSpan;
    }

    /// <summary>Writes <paramref name="value"/> (not null) as a JSON value of <paramref name="shape"/>.</summary>
    public static void Write(Utf8JsonWriter w, object value, JsonShape shape)
    {
        switch (shape.Kind)
        {
            case ShapeKind.String: w.WriteStringValue((string)value); break;
            case ShapeKind.Bool: w.WriteBooleanValue((bool)value); break;
            case ShapeKind.Int16: w.WriteNumberValue((short)value); break;
            case ShapeKind.UInt16: w.WriteNumberValue((ushort)value); break;
            case ShapeKind.Int32: w.WriteNumberValue((int)value); break;
            case ShapeKind.UInt32: w.WriteNumberValue((uint)value); break;
            case ShapeKind.Int64: w.WriteNumberValue((long)value); break;
            case ShapeKind.UInt64: w.WriteNumberValue((ulong)value); break;
            case ShapeKind.DateTimeOffset: w.WriteStringValue((DateTimeOffset)value); break;
            case ShapeKind.Object:
                w.WriteStartObject();
                foreach (JsonField f in ((ObjectShape)shape).Fields)
                {
                    object? v = f.Get(value);
                    if (v is null) continue;
                    w.WritePropertyName(f.Utf8Name);
                    Write(w, v, f.Shape);
                }
                w.WriteEndObject();
                break;
            case ShapeKind.List:
                w.WriteStartArray();
                var element = ((ListShape)shape).Element;
                foreach (object? item in (IList)value)
                {
                    if (item is null) w.WriteNullValue();
                    else Write(w, item, element);
                }
                w.WriteEndArray();
                break;
            case ShapeKind.Map:
                w.WriteStartObject();
                var valueShape = ((MapShape)shape).Element;
                foreach (DictionaryEntry e in (IDictionary)value)
                {
                    w.WritePropertyName((string)e.Key);
                    if (e.Value is null) w.WriteNullValue();
                    else Write(w, e.Value, valueShape);
                }
                w.WriteEndObject();
                break;
        }
    }

    /// <summary>Reads a document skiff wrote; a top-level null gives null. Throws <see cref="JsonException"/> on
    /// malformed JSON or a value of the wrong kind.</summary>
    public static T? Read<T>(ReadOnlySpan<byte> json, ObjectShape shape) where T : class
    {
        var r = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!r.Read()) throw new JsonException("empty JSON document");
            return (T?)ReadValue(ref r, shape);
        }
        catch (JsonException ex) when (ex.GetType() != typeof(JsonException))
        {
            // the reader's own exception: its text is a resource key in this trimmed build
            throw new JsonException($"invalid JSON at byte {r.BytesConsumed}");
        }
    }

    private static object? ReadValue(ref Utf8JsonReader r, JsonShape shape)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        switch (shape.Kind)
        {
            case ShapeKind.String: return r.TokenType == JsonTokenType.String ? r.GetString() : throw Wrong(ref r, shape);
            case ShapeKind.Bool:
                return r.TokenType switch
                {
                    JsonTokenType.True => true,
                    JsonTokenType.False => false,
                    _ => throw Wrong(ref r, shape),
                };
            case ShapeKind.Int16: Number(ref r, shape); return r.TryGetInt16(out short i16) ? i16 : throw Wrong(ref r, shape);
            case ShapeKind.UInt16: Number(ref r, shape); return r.TryGetUInt16(out ushort u16) ? u16 : throw Wrong(ref r, shape);
            case ShapeKind.Int32: Number(ref r, shape); return r.TryGetInt32(out int i32) ? i32 : throw Wrong(ref r, shape);
            case ShapeKind.UInt32: Number(ref r, shape); return r.TryGetUInt32(out uint u32) ? u32 : throw Wrong(ref r, shape);
            case ShapeKind.Int64: Number(ref r, shape); return r.TryGetInt64(out long i64) ? i64 : throw Wrong(ref r, shape);
            case ShapeKind.UInt64: Number(ref r, shape); return r.TryGetUInt64(out ulong u64) ? u64 : throw Wrong(ref r, shape);
            case ShapeKind.DateTimeOffset:
                return r.TokenType == JsonTokenType.String && r.TryGetDateTimeOffset(out DateTimeOffset t) ? t : throw Wrong(ref r, shape);
            case ShapeKind.Object:
            {
                if (r.TokenType != JsonTokenType.StartObject) throw Wrong(ref r, shape);
                var os = (ObjectShape)shape;
                object o = os.Create();
                int next = 0;
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    JsonField? f = r.ValueIsEscaped ? os.FindExact(System.Text.Encoding.UTF8.GetBytes(r.GetString()!), ref next)
                        : os.FindExact(r.ValueSpan, ref next);
                    r.Read();
                    if (f is null)
                    {
                        r.Skip();
                        continue;
                    }
                    object? v = ReadValue(ref r, f.Shape);
                    if (v is not null || f.Nullable) f.Set(o, v);
                }
                return o;
            }
            case ShapeKind.List:
            {
                if (r.TokenType != JsonTokenType.StartArray) throw Wrong(ref r, shape);
                var ls = (ListShape)shape;
                IList list = ls.Create();
                while (r.Read() && r.TokenType != JsonTokenType.EndArray) list.Add(ReadValue(ref r, ls.Element));
                return list;
            }
            default:
            {
                if (r.TokenType != JsonTokenType.StartObject) throw Wrong(ref r, shape);
                var ms = (MapShape)shape;
                IDictionary map = ms.Create();
                while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                {
                    string key = r.GetString()!;
                    r.Read();
                    map[key] = ReadValue(ref r, ms.Element);
                }
                return map;
            }
        }
    }

    private static void Number(ref Utf8JsonReader r, JsonShape shape)
    {
        if (r.TokenType != JsonTokenType.Number) throw Wrong(ref r, shape);
    }

    private static JsonException Wrong(ref Utf8JsonReader r, JsonShape shape)
    {
        string what = r.TokenType switch
        {
            JsonTokenType.Number => "number " + System.Text.Encoding.UTF8.GetString(r.ValueSpan),
            JsonTokenType.String => "string",
            JsonTokenType.StartObject => "object",
            JsonTokenType.StartArray => "array",
            JsonTokenType.True or JsonTokenType.False => "bool",
            _ => r.TokenType.ToString(),
        };
        return new($"cannot read {what} as {shape.GoName} at byte {r.TokenStartIndex}");
    }
}
