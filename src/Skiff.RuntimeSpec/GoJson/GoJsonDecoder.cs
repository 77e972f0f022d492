using System.Collections;
using System.Globalization;
using Skiff.RuntimeSpec.Json;

namespace Skiff.RuntimeSpec.GoJson;

/// <summary>
/// Reads JSON into a spec type as Go's encoding/json (json.NewDecoder(f).Decode(&amp;v)) reads it into the
/// matching Go struct, which is how runc reads config.json:
/// <list type="bullet">
/// <item>syntax as <see cref="GoJsonParser"/> (strict, first value only, invalid UTF-8 → U+FFFD);</item>
/// <item>object keys match fields exactly, else case-insensitively; unknown keys (at any depth) are skipped;</item>
/// <item>a key given twice decodes into the same field: objects merge, anything else is replaced; a null leaves a
/// non-nullable field as it was;</item>
/// <item>a value of the wrong type is Go's UnmarshalTypeError, with the Go struct, the field path and the type.</item>
/// </list>
/// Design: no reflection (NativeAOT): the walk is driven by the generated <see cref="JsonShape"/> tables and binds
/// the parsed tree straight into the objects. Decoding into a value that is already there (a key given twice) merges
/// as Go does: structs and maps are decoded into, slices and scalars replaced.
/// </summary>
public static class GoJsonDecoder
{
    /// <summary>Decodes <paramref name="data"/>; a top-level null gives null. Throws <see cref="GoJsonException"/>.</summary>
    public static T? Decode<T>(ReadOnlySpan<byte> data, ObjectShape shape) where T : class
    {
        GoJsonNode root = GoJsonParser.ParseFirst(data);
        if (root.Kind == GoJsonKind.Null) return null;
        var binder = new Binder(shape.GoName);
        return (T?)binder.Bind(root, shape, into: null, path: "", goStruct: "");
    }

    private sealed class Binder(string rootGoType)
    {
        /// <summary>The value of <paramref name="n"/> as <paramref name="s"/>; objects and maps are decoded into
        /// <paramref name="into"/> when it is there. A JSON null gives null (the caller decides what it means).</summary>
        public object? Bind(GoJsonNode n, JsonShape s, object? into, string path, string goStruct)
        {
            if (n.Kind == GoJsonKind.Null) return null;
            switch (s.Kind)
            {
                case ShapeKind.String: return Expect(n, GoJsonKind.String, s, path, goStruct).Text;
                case ShapeKind.Bool: return Expect(n, GoJsonKind.Bool, s, path, goStruct).Bool;
                case ShapeKind.Object:
                {
                    if (n.Kind != GoJsonKind.Object) throw TypeError(n.KindName, s, path, goStruct);
                    var os = (ObjectShape)s;
                    object o = into ?? os.Create();
                    foreach (var m in n.Members!)
                    {
                        JsonField? f = os.Find(m.Key);
                        if (f is null) continue;
                        string sub = path.Length == 0 ? f.Name : path + "." + f.Name;
                        object? v = Bind(m.Value, f.Shape, f.Get(o), sub, os.GoName["specs.".Length..]);
                        if (v is not null || f.Nullable) f.Set(o, v);
                    }
                    return o;
                }
                case ShapeKind.List:
                {
                    if (n.Kind != GoJsonKind.Array) throw TypeError(n.KindName, s, path, goStruct);
                    var ls = (ListShape)s;
                    IList list = ls.Create();
                    foreach (var item in n.Items!) list.Add(Bind(item, ls.Element, null, path, goStruct) ?? Zero(ls.Element));
                    return list;
                }
                case ShapeKind.Map:
                {
                    if (n.Kind != GoJsonKind.Object) throw TypeError(n.KindName, s, path, goStruct);
                    var ms = (MapShape)s;
                    IDictionary map = (IDictionary?)into ?? ms.Create();
                    // map keys are exact; a repeated key replaces the value (Go decodes a fresh element)
                    foreach (var m in n.Members!) map[m.Key] = Bind(m.Value, ms.Element, null, path, goStruct) ?? Zero(ms.Element);
                    return map;
                }
                case ShapeKind.DateTimeOffset:
                    throw TypeError(n.KindName, s, path, goStruct);
                default:
                {
                    if (n.Kind != GoJsonKind.Number) throw TypeError(n.KindName, s, path, goStruct);
                    return Number(n.Text!, s) ?? throw TypeError("number " + n.Text, s, path, goStruct);
                }
            }
        }

        /// <summary>A null element of a slice or map is the element type's zero value in Go.</summary>
        private static object? Zero(JsonShape s) => s.Kind switch
        {
            ShapeKind.String => "",
            ShapeKind.Bool => false,
            ShapeKind.Int16 => (short)0,
            ShapeKind.UInt16 => (ushort)0,
            ShapeKind.Int32 => 0,
            ShapeKind.UInt32 => 0u,
            ShapeKind.Int64 => 0L,
            ShapeKind.UInt64 => 0UL,
            ShapeKind.Object => ((ObjectShape)s).Create(),
            _ => null,
        };

        private GoJsonNode Expect(GoJsonNode n, GoJsonKind kind, JsonShape s, string path, string goStruct) =>
            n.Kind == kind ? n : throw TypeError(n.KindName, s, path, goStruct);

        private GoJsonException TypeError(string value, JsonShape s, string path, string goStruct) =>
            path.Length == 0
                ? new($"json: cannot unmarshal {value} into Go value of type {rootGoType}")
                : new($"json: cannot unmarshal {value} into Go struct field {goStruct}.{path} of type {s.GoName}");
    }

    /// <summary>Go's ParseInt/ParseUint of the literal for the field's width (no fraction, no exponent), boxed.</summary>
    private static object? Number(string lit, JsonShape s)
    {
        const NumberStyles Int = NumberStyles.AllowLeadingSign;
        const NumberStyles Uint = NumberStyles.None;
        var c = CultureInfo.InvariantCulture;
        return s.Kind switch
        {
            ShapeKind.Int16 => short.TryParse(lit, Int, c, out short a) ? a : null,
            ShapeKind.UInt16 => ushort.TryParse(lit, Uint, c, out ushort b) ? b : null,
            ShapeKind.Int32 => int.TryParse(lit, Int, c, out int d) ? d : null,
            ShapeKind.UInt32 => uint.TryParse(lit, Uint, c, out uint e) ? e : null,
            ShapeKind.Int64 => long.TryParse(lit, Int, c, out long f) ? f : null,
            _ => ulong.TryParse(lit, Uint, c, out ulong g) ? g : null,
        };
    }
}
