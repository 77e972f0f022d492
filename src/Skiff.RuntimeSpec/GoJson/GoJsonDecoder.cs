using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Skiff.RuntimeSpec.GoJson;

/// <summary>
/// Reads JSON into a source-generated type as Go's encoding/json (json.NewDecoder(f).Decode(&amp;v)) reads it into the
/// matching Go struct, which is how runc reads config.json:
/// <list type="bullet">
/// <item>syntax as <see cref="GoJsonParser"/> (strict, first value only, invalid UTF-8 → U+FFFD);</item>
/// <item>object keys match fields exactly, else case-insensitively; unknown keys (at any depth) are skipped;</item>
/// <item>a key given twice decodes into the same field: objects merge, anything else is replaced; a null leaves a
/// non-nullable field as it was;</item>
/// <item>a value of the wrong type is Go's UnmarshalTypeError, with the Go struct, the field path and the type.</item>
/// </list>
/// Design: no reflection (NativeAOT): the walk is driven by the context's own metadata (JsonTypeInfo: properties,
/// element types), so fields added to the spec types are picked up without touching this file. The walk writes a
/// canonical document (exact names, merged, only known fields) that System.Text.Json then binds as usual.
/// </summary>
public static class GoJsonDecoder
{
    /// <summary>Decodes <paramref name="data"/>; a top-level null gives default. Throws <see cref="GoJsonException"/>.</summary>
    public static T? Decode<T>(ReadOnlySpan<byte> data, JsonTypeInfo<T> typeInfo, string goTypeName)
    {
        GoJsonNode root = GoJsonParser.ParseFirst(data);
        if (root.Kind == GoJsonKind.Null) return default;
        var walker = new Walker(typeInfo.Options, goTypeName);
        GoJsonNode canonical = walker.Resolve(root, typeof(T), path: "", goStruct: "");
        var buf = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buf, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
            Write(w, canonical);
        return JsonSerializer.Deserialize(buf.WrittenSpan, typeInfo);
    }

    private static void Write(Utf8JsonWriter w, GoJsonNode n)
    {
        switch (n.Kind)
        {
            case GoJsonKind.Null: w.WriteNullValue(); break;
            case GoJsonKind.Bool: w.WriteBooleanValue(n.Bool); break;
            case GoJsonKind.Number: w.WriteRawValue(n.Text!, skipInputValidation: true); break;
            case GoJsonKind.String: w.WriteStringValue(n.Text); break;
            case GoJsonKind.Array:
                w.WriteStartArray();
                foreach (var item in n.Items!) Write(w, item);
                w.WriteEndArray();
                break;
            case GoJsonKind.Object:
                w.WriteStartObject();
                foreach (var m in n.Members!)
                {
                    w.WritePropertyName(m.Key);
                    Write(w, m.Value);
                }
                w.WriteEndObject();
                break;
        }
    }

    private sealed class Walker(JsonSerializerOptions options, string rootGoType)
    {
        public GoJsonNode Resolve(GoJsonNode n, Type t, string path, string goStruct)
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            if (n.Kind == GoJsonKind.Null) return n;
            if (t == typeof(string)) return Expect(n, GoJsonKind.String, t, path, goStruct);
            if (t == typeof(bool)) return Expect(n, GoJsonKind.Bool, t, path, goStruct);
            if (IsNumber(t))
            {
                if (n.Kind != GoJsonKind.Number) throw TypeError(n.KindName, t, path, goStruct);
                if (!NumberFits(n.Text!, t)) throw TypeError("number " + n.Text, t, path, goStruct);
                return n;
            }
            JsonTypeInfo ti = options.GetTypeInfo(t);
            switch (ti.Kind)
            {
                case JsonTypeInfoKind.Enumerable:
                {
                    if (n.Kind != GoJsonKind.Array) throw TypeError(n.KindName, t, path, goStruct);
                    var items = new List<GoJsonNode>(n.Items!.Count);
                    foreach (var item in n.Items) items.Add(OrZero(Resolve(item, ti.ElementType!, path, goStruct), ti.ElementType!));
                    return new GoJsonNode { Kind = GoJsonKind.Array, Items = items };
                }
                case JsonTypeInfoKind.Dictionary:
                {
                    if (n.Kind != GoJsonKind.Object) throw TypeError(n.KindName, t, path, goStruct);
                    var members = new List<KeyValuePair<string, GoJsonNode>>();
                    var index = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (var m in n.Members!)
                    {
                        // map keys are exact; a repeated key replaces the value (Go decodes a fresh element)
                        var v = OrZero(Resolve(m.Value, ti.ElementType!, path, goStruct), ti.ElementType!);
                        if (index.TryGetValue(m.Key, out int at)) members[at] = new(m.Key, v);
                        else
                        {
                            index[m.Key] = members.Count;
                            members.Add(new(m.Key, v));
                        }
                    }
                    return new GoJsonNode { Kind = GoJsonKind.Object, Members = members };
                }
                case JsonTypeInfoKind.Object:
                {
                    if (n.Kind != GoJsonKind.Object) throw TypeError(n.KindName, t, path, goStruct);
                    var members = new List<KeyValuePair<string, GoJsonNode>>();
                    foreach (var m in n.Members!)
                    {
                        JsonPropertyInfo? p = Field(ti, m.Key);
                        if (p is null) continue;
                        if (m.Value.Kind == GoJsonKind.Null && !p.IsSetNullable) continue;
                        string sub = path.Length == 0 ? p.Name : path + "." + p.Name;
                        var v = Resolve(m.Value, p.PropertyType, sub, GoName(t));
                        int at = members.FindIndex(x => x.Key == p.Name);
                        if (at < 0) members.Add(new(p.Name, v));
                        else members[at] = new(p.Name, Merge(members[at].Value, v, p.PropertyType));
                    }
                    return new GoJsonNode { Kind = GoJsonKind.Object, Members = members };
                }
                default:
                    return n;
            }
        }

        /// <summary>Go's field lookup: the exact JSON name first, else the first case-insensitive match.</summary>
        private static JsonPropertyInfo? Field(JsonTypeInfo ti, string key)
        {
            JsonPropertyInfo? folded = null;
            foreach (var p in ti.Properties)
            {
                if (p.Name == key) return p;
                if (folded is null && string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase)) folded = p;
            }
            return folded;
        }

        /// <summary>A second value for a field decodes into the first: a struct keeps the fields the second
        /// does not set, a map keeps its other keys; slices and scalars are replaced.</summary>
        private GoJsonNode Merge(GoJsonNode old, GoJsonNode next, Type t)
        {
            if (old.Kind != GoJsonKind.Object || next.Kind != GoJsonKind.Object) return next;
            t = Nullable.GetUnderlyingType(t) ?? t;
            JsonTypeInfo ti = options.GetTypeInfo(t);
            var members = new List<KeyValuePair<string, GoJsonNode>>(old.Members!);
            foreach (var m in next.Members!)
            {
                int at = members.FindIndex(x => x.Key == m.Key);
                if (at < 0) members.Add(m);
                else if (ti.Kind == JsonTypeInfoKind.Object)
                {
                    var p = ti.Properties.First(x => x.Name == m.Key);
                    members[at] = new(m.Key, Merge(members[at].Value, m.Value, p.PropertyType));
                }
                else members[at] = m;
            }
            return new GoJsonNode { Kind = GoJsonKind.Object, Members = members };
        }

        /// <summary>A null element of a slice or map is the element type's zero value in Go.</summary>
        private GoJsonNode OrZero(GoJsonNode n, Type t)
        {
            if (n.Kind != GoJsonKind.Null || Nullable.GetUnderlyingType(t) is not null) return n;
            if (t == typeof(string)) return new GoJsonNode { Kind = GoJsonKind.String, Text = "" };
            if (t == typeof(bool)) return new GoJsonNode { Kind = GoJsonKind.Bool };
            if (IsNumber(t)) return new GoJsonNode { Kind = GoJsonKind.Number, Text = "0" };
            if (options.GetTypeInfo(t).Kind == JsonTypeInfoKind.Object)
                return new GoJsonNode { Kind = GoJsonKind.Object, Members = [] };
            return n;
        }

        private GoJsonNode Expect(GoJsonNode n, GoJsonKind kind, Type t, string path, string goStruct) =>
            n.Kind == kind ? n : throw TypeError(n.KindName, t, path, goStruct);

        private GoJsonException TypeError(string value, Type t, string path, string goStruct) =>
            path.Length == 0
                ? new($"json: cannot unmarshal {value} into Go value of type {rootGoType}")
                : new($"json: cannot unmarshal {value} into Go struct field {goStruct}.{path} of type {GoType(t)}");

        private string GoType(Type t)
        {
            t = Nullable.GetUnderlyingType(t) ?? t;
            if (t == typeof(string)) return "string";
            if (t == typeof(bool)) return "bool";
            if (t == typeof(int)) return "int";
            if (t == typeof(uint)) return "uint32";
            if (t == typeof(long)) return "int64";
            if (t == typeof(ulong)) return "uint64";
            if (t == typeof(short)) return "int16";
            if (t == typeof(ushort)) return "uint16";
            if (t == typeof(byte)) return "uint8";
            if (t == typeof(sbyte)) return "int8";
            if (t == typeof(double)) return "float64";
            if (t == typeof(float)) return "float32";
            JsonTypeInfo ti = options.GetTypeInfo(t);
            return ti.Kind switch
            {
                JsonTypeInfoKind.Enumerable => "[]" + GoType(ti.ElementType!),
                JsonTypeInfoKind.Dictionary => "map[string]" + GoType(ti.ElementType!),
                _ => "specs." + GoName(t),
            };
        }
    }

    /// <summary>The Go name of a spec type, where Go spells the initialisms differently.</summary>
    internal static string GoName(Type t) => t.Name switch
    {
        "LinuxIdMapping" => "LinuxIDMapping",
        "PosixRlimit" => "POSIXRlimit",
        "CpuAffinity" => "CPUAffinity",
        "LinuxCpu" => "LinuxCPU",
        var n => n,
    };

    private static bool IsNumber(Type t) =>
        t == typeof(int) || t == typeof(uint) || t == typeof(long) || t == typeof(ulong) || t == typeof(short)
        || t == typeof(ushort) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(double) || t == typeof(float);

    /// <summary>Go's ParseInt/ParseUint of the literal for the field's width (no fraction, no exponent).</summary>
    private static bool NumberFits(string lit, Type t)
    {
        const NumberStyles Int = NumberStyles.AllowLeadingSign;
        var c = CultureInfo.InvariantCulture;
        if (t == typeof(double)) return double.TryParse(lit, NumberStyles.Float, c, out double d) && double.IsFinite(d);
        if (t == typeof(float)) return float.TryParse(lit, NumberStyles.Float, c, out float f) && float.IsFinite(f);
        if (t == typeof(int)) return int.TryParse(lit, Int, c, out _);
        if (t == typeof(uint)) return uint.TryParse(lit, NumberStyles.None, c, out _);
        if (t == typeof(long)) return long.TryParse(lit, Int, c, out _);
        if (t == typeof(ulong)) return ulong.TryParse(lit, NumberStyles.None, c, out _);
        if (t == typeof(short)) return short.TryParse(lit, Int, c, out _);
        if (t == typeof(ushort)) return ushort.TryParse(lit, NumberStyles.None, c, out _);
        if (t == typeof(byte)) return byte.TryParse(lit, NumberStyles.None, c, out _);
        return sbyte.TryParse(lit, Int, c, out _);
    }
}
