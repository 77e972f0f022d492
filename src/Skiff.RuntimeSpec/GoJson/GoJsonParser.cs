using System.Text;

namespace Skiff.RuntimeSpec.GoJson;

/// <summary>
/// The syntax half of Go's json.Decoder.Decode: the first JSON value of the input, with Go's grammar (no comments,
/// no trailing commas, at most 10000 levels) and Go's messages; bytes after that value are not read, as the
/// decoder leaves them in its buffer. Strings are decoded as Go's unquote does: an invalid UTF-8 byte or a lone
/// surrogate escape becomes U+FFFD.
/// </summary>
internal ref struct GoJsonParser
{
    private const int MaxDepth = 10000;
    private readonly ReadOnlySpan<byte> _s;
    private int _i;
    private int _depth;

    private GoJsonParser(ReadOnlySpan<byte> s)
    {
        _s = s;
        _i = 0;
        _depth = 0;
    }

    public static GoJsonNode ParseFirst(ReadOnlySpan<byte> data)
    {
        var p = new GoJsonParser(data);
        p.SkipSpace();
        if (p._i >= data.Length) throw new GoJsonException("EOF");
        return p.Value();
    }

    private void SkipSpace()
    {
        while (_i < _s.Length && _s[_i] is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r') _i++;
    }

    private byte Peek()
    {
        if (_i >= _s.Length) throw new GoJsonException("unexpected EOF");
        return _s[_i];
    }

    private GoJsonNode Value()
    {
        byte c = Peek();
        switch (c)
        {
            case (byte)'{': return Object();
            case (byte)'[': return Array();
            case (byte)'"': return new GoJsonNode { Kind = GoJsonKind.String, Text = String() };
            case (byte)'t': Literal("true"); return new GoJsonNode { Kind = GoJsonKind.Bool, Bool = true };
            case (byte)'f': Literal("false"); return new GoJsonNode { Kind = GoJsonKind.Bool };
            case (byte)'n': Literal("null"); return new GoJsonNode { Kind = GoJsonKind.Null };
        }
        if (c == '-' || (c >= '0' && c <= '9')) return new GoJsonNode { Kind = GoJsonKind.Number, Text = Number() };
        throw Error(c, "looking for beginning of value");
    }

    private void Push(byte c)
    {
        if (++_depth > MaxDepth) throw Error(c, "exceeded max depth");
    }

    private GoJsonNode Object()
    {
        Push((byte)'{');
        _i++;
        var members = new List<KeyValuePair<string, GoJsonNode>>();
        SkipSpace();
        if (Peek() == '}')
        {
            _i++;
            _depth--;
            return new GoJsonNode { Kind = GoJsonKind.Object, Members = members };
        }
        while (true)
        {
            byte c = Peek();
            if (c != '"') throw Error(c, "looking for beginning of object key string");
            string key = String();
            SkipSpace();
            c = Peek();
            if (c != ':') throw Error(c, "after object key");
            _i++;
            SkipSpace();
            members.Add(new(key, Value()));
            SkipSpace();
            c = Peek();
            _i++;
            if (c == '}') break;
            if (c != ',') throw Error(c, "after object key:value pair");
            SkipSpace();
        }
        _depth--;
        return new GoJsonNode { Kind = GoJsonKind.Object, Members = members };
    }

    private GoJsonNode Array()
    {
        Push((byte)'[');
        _i++;
        var items = new List<GoJsonNode>();
        SkipSpace();
        if (Peek() == ']')
        {
            _i++;
            _depth--;
            return new GoJsonNode { Kind = GoJsonKind.Array, Items = items };
        }
        while (true)
        {
            items.Add(Value());
            SkipSpace();
            byte c = Peek();
            _i++;
            if (c == ']') break;
            if (c != ',') throw Error(c, "after array element");
            SkipSpace();
        }
        _depth--;
        return new GoJsonNode { Kind = GoJsonKind.Array, Items = items };
    }

    private void Literal(string word)
    {
        _i++;
        for (int k = 1; k < word.Length; k++)
        {
            byte c = Peek();
            if (c != word[k]) throw Error(c, $"in literal {word} (expecting {QuoteChar((byte)word[k])})");
            _i++;
        }
    }

    private string Number()
    {
        int start = _i;
        if (_s[_i] == '-')
        {
            _i++;
            byte c = Peek();
            if (c < '0' || c > '9') throw Error(c, "in numeric literal");
        }
        if (_s[_i] == '0') _i++;
        else Digits();
        if (_i < _s.Length && _s[_i] == '.')
        {
            _i++;
            byte c = Peek();
            if (c < '0' || c > '9') throw Error(c, "after decimal point in numeric literal");
            Digits();
        }
        if (_i < _s.Length && _s[_i] is (byte)'e' or (byte)'E')
        {
            _i++;
            if (Peek() is (byte)'+' or (byte)'-') _i++;
            byte c = Peek();
            if (c < '0' || c > '9') throw Error(c, "in exponent of numeric literal");
            Digits();
        }
        return Encoding.ASCII.GetString(_s[start.._i]);
    }

    private void Digits()
    {
        while (_i < _s.Length && _s[_i] >= '0' && _s[_i] <= '9') _i++;
    }

    /// <summary>Scans a string literal at _i (the opening quote) and returns it decoded as Go's unquote.</summary>
    private string String()
    {
        _i++;
        var sb = new StringBuilder();
        while (true)
        {
            byte c = Peek();
            if (c == '"')
            {
                _i++;
                return sb.ToString();
            }
            if (c < 0x20) throw Error(c, "in string literal");
            if (c == '\\')
            {
                _i++;
                c = Peek();
                _i++;
                switch (c)
                {
                    case (byte)'"': sb.Append('"'); break;
                    case (byte)'\\': sb.Append('\\'); break;
                    case (byte)'/': sb.Append('/'); break;
                    case (byte)'b': sb.Append('\b'); break;
                    case (byte)'f': sb.Append('\f'); break;
                    case (byte)'n': sb.Append('\n'); break;
                    case (byte)'r': sb.Append('\r'); break;
                    case (byte)'t': sb.Append('\t'); break;
                    case (byte)'u': AppendUnicodeEscape(sb); break;
                    default: throw Error(c, "in string escape code");
                }
                continue;
            }
            if (c < 0x80)
            {
                sb.Append((char)c);
                _i++;
                continue;
            }
            // Go's unquote: a valid rune is kept, an invalid byte becomes U+FFFD (one per byte)
            if (System.Text.Rune.DecodeFromUtf8(_s[_i..], out var rune, out int used) == System.Buffers.OperationStatus.Done)
            {
                sb.Append(rune.ToString());
                _i += used;
            }
            else
            {
                sb.Append('\uFFFD');
                _i++;
            }
        }
    }

    private void AppendUnicodeEscape(StringBuilder sb)
    {
        int r = Hex4();
        if (char.IsSurrogate((char)r))
        {
            // a pair is \uD8xx\uDCxx; anything else is U+FFFD and the next escape is read on its own
            if (char.IsHighSurrogate((char)r) && _i + 1 < _s.Length && _s[_i] == '\\' && _s[_i + 1] == 'u')
            {
                int save = _i;
                _i += 2;
                int r2 = Hex4();
                if (char.IsLowSurrogate((char)r2))
                {
                    sb.Append((char)r).Append((char)r2);
                    return;
                }
                _i = save;
            }
            sb.Append('\uFFFD');
            return;
        }
        sb.Append((char)r);
    }

    private int Hex4()
    {
        int v = 0;
        for (int k = 0; k < 4; k++)
        {
            byte c = Peek();
            int d = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => -1,
            };
            if (d < 0) throw Error(c, "in \\u hexadecimal character escape");
            v = v * 16 + d;
            _i++;
        }
        return v;
    }

    private static GoJsonException Error(byte c, string context) => new($"invalid character {QuoteChar(c)} {context}");

    /// <summary>Go's quoteChar: the byte as a rune, quoted as strconv.Quote does, in single quotes.</summary>
    internal static string QuoteChar(byte c)
    {
        if (c == '\'') return "'\\''";
        if (c == '"') return "'\"'";
        string inner = c switch
        {
            7 => "\\a", 8 => "\\b", 9 => "\\t", 10 => "\\n", 11 => "\\v", 12 => "\\f", 13 => "\\r",
            (byte)'\\' => "\\\\",
            < 0x20 or 0x7f => $"\\x{c:x2}",
            >= 0x80 and <= 0xa0 or 0xad => $"\\u00{c:x2}",
            _ => ((char)c).ToString(),
        };
        return "'" + inner + "'";
    }
}
