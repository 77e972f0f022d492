using System.Collections;

namespace Skiff.RuntimeSpec.Json;

/// <summary>What a JSON value maps to.</summary>
public enum ShapeKind { String, Bool, Int16, UInt16, Int32, UInt32, Int64, UInt64, DateTimeOffset, Object, List, Map }

/// <summary>
/// The shape of a JSON value bound to a .NET type, without reflection: the generated tables (SpecShapes, SkiffShapes)
/// list each class's fields with their JSON names, shapes and accessors; <see cref="JsonShapes"/> reads and writes
/// by them, and GoJsonDecoder decodes config.json by them as Go's encoding/json does. This replaces
/// System.Text.Json's serializer, whose metadata cost several milliseconds at every start of a skiff process.
/// </summary>
public class JsonShape
{
    protected JsonShape(ShapeKind kind, string goName)
    {
        Kind = kind;
        GoName = goName;
    }

    public ShapeKind Kind { get; }

    /// <summary>The Go type's name in an UnmarshalTypeError ("uint32", "[]string", "specs.Hook").</summary>
    public string GoName { get; }

    public static JsonShape String { get; } = new(ShapeKind.String, "string");
    public static JsonShape Bool { get; } = new(ShapeKind.Bool, "bool");
    public static JsonShape Int16 { get; } = new(ShapeKind.Int16, "int16");
    public static JsonShape UInt16 { get; } = new(ShapeKind.UInt16, "uint16");
    public static JsonShape Int32 { get; } = new(ShapeKind.Int32, "int");
    public static JsonShape UInt32 { get; } = new(ShapeKind.UInt32, "uint32");
    public static JsonShape Int64 { get; } = new(ShapeKind.Int64, "int64");
    public static JsonShape UInt64 { get; } = new(ShapeKind.UInt64, "uint64");
    public static JsonShape DateTimeOffset { get; } = new(ShapeKind.DateTimeOffset, "time.Time");
}

/// <summary>
/// A class: its fields in declaration order (the order they are written in). The fields are made when first asked
/// for: a process builds the fields (names, accessors, element shapes) of only the classes its documents hold,
/// not of all of the spec's some 60 classes with their 350 fields at the first use of a shape table.
/// </summary>
public sealed class ObjectShape(string goName, Func<object> create, Func<JsonField[]> fields) : JsonShape(ShapeKind.Object, goName)
{
    private JsonField[]? _fields;

    public ObjectShape(string goName, Func<object> create, JsonField[] fields) : this(goName, create, () => fields) { }

    public Func<object> Create { get; } = create;

    public JsonField[] Fields
    {
        get
        {
            // a race makes the same array twice, and one of them is kept: both are correct
            return _fields ?? Interlocked.CompareExchange(ref _fields, fields(), null) ?? _fields!;
        }
    }

    /// <summary>Go's field lookup: the exact JSON name first, else the first case-insensitive match.</summary>
    public JsonField? Find(string key)
    {
        JsonField? folded = null;
        foreach (JsonField f in Fields)
        {
            if (f.Name == key) return f;
            if (folded is null && string.Equals(f.Name, key, StringComparison.OrdinalIgnoreCase)) folded = f;
        }
        return folded;
    }

    /// <summary>
    /// The field named exactly <paramref name="key"/> (UTF-8), for documents skiff wrote itself, looking from field
    /// <paramref name="next"/> on first (then from the start), and leaving it after the field found: skiff writes
    /// the fields in their order, so reading one of its documents finds each key at the first or one of the next
    /// few tries instead of by a search from the start.
    /// </summary>
    public JsonField? FindExact(ReadOnlySpan<byte> key, ref int next)
    {
        JsonField[] fields = Fields;
        for (int n = 0, i = next; n < fields.Length; n++, i = i + 1 == fields.Length ? 0 : i + 1)
        {
            if (key.SequenceEqual(fields[i].Utf8Name))
            {
                next = i + 1 == fields.Length ? 0 : i + 1;
                return fields[i];
            }
        }
        return null;
    }
}

/// <summary>A List&lt;T&gt;.</summary>
public sealed class ListShape(JsonShape element, Func<IList> create) : JsonShape(ShapeKind.List, "[]" + element.GoName)
{
    public JsonShape Element { get; } = element;
    public Func<IList> Create { get; } = create;
}

/// <summary>A (Sorted)Dictionary&lt;string, T&gt;.</summary>
public sealed class MapShape(JsonShape element, Func<IDictionary> create) : JsonShape(ShapeKind.Map, "map[string]" + element.GoName)
{
    public JsonShape Element { get; } = element;
    public Func<IDictionary> Create { get; } = create;
}

/// <summary>One property: JSON name, shape, whether null may be stored (a nullable declaration), accessors.</summary>
public sealed class JsonField(string name, JsonShape shape, bool nullable, Func<object, object?> get, Action<object, object?> set)
{
    public string Name { get; } = name;
    public byte[] Utf8Name { get; } = System.Text.Encoding.UTF8.GetBytes(name);
    public JsonShape Shape { get; } = shape;
    /// <summary>Declared nullable (T? / reference?): JSON null stores null; otherwise null leaves the field alone,
    /// as Go leaves a non-pointer field alone.</summary>
    public bool Nullable { get; } = nullable;
    public Func<object, object?> Get { get; } = get;
    public Action<object, object?> Set { get; } = set;
}
