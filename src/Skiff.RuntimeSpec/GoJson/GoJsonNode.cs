namespace Skiff.RuntimeSpec.GoJson;

internal enum GoJsonKind { Null, Bool, Number, String, Object, Array }

/// <summary>One parsed JSON value: strings already decoded as Go decodes them, numbers as their literal.</summary>
internal sealed class GoJsonNode
{
    public GoJsonKind Kind { get; init; }

    /// <summary>The decoded string, or the number's literal.</summary>
    public string? Text { get; init; }

    public bool Bool { get; init; }

    /// <summary>Object members in document order (duplicates kept: the decoder merges them).</summary>
    public List<KeyValuePair<string, GoJsonNode>>? Members { get; init; }

    public List<GoJsonNode>? Items { get; init; }

    /// <summary>How Go names the JSON kind in an UnmarshalTypeError.</summary>
    public string KindName => Kind switch
    {
        GoJsonKind.Bool => "bool",
        GoJsonKind.Number => "number",
        GoJsonKind.String => "string",
        GoJsonKind.Object => "object",
        GoJsonKind.Array => "array",
        _ => "null",
    };
}
