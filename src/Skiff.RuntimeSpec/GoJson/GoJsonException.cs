namespace Skiff.RuntimeSpec.GoJson;

/// <summary>A document Go's encoding/json refuses, with Go's message ("unexpected EOF", "invalid character '}'
/// looking for beginning of object key string", "json: cannot unmarshal string into Go struct field ...").</summary>
public sealed class GoJsonException(string message) : Exception(message);
