using System.Text.Encodings.Web;

namespace Skiff.RuntimeSpec.Json;

/// <summary>
/// What <see cref="JavaScriptEncoder.Default"/> escapes, and how, without what it costs at first use: its static
/// constructor builds a bitmap of every allowed BMP code point (about 0.2 ms of each skiff process that writes JSON,
/// the parent and init alike; a Utf8JsonWriter without an encoder uses it). Escaped: every code point outside ASCII,
/// the ASCII control characters (U+0000..U+001F, U+007F) and the HTML-sensitive " &amp; ' + &lt; &gt; \ `; written as
/// \b \t \n \f \r \\ where there is one, else \uXXXX in capitals (a pair of them past the BMP). A unit test holds it
/// to the default encoder, character by character.
/// </summary>
public sealed class JsonEscaping : JavaScriptEncoder
{
    /// <summary>The one instance (JsonWriterOptions.Encoder).</summary>
    public static readonly JsonEscaping Instance = new();

    private JsonEscaping() { }

    /// <summary>\uXXXX\uXXXX at most, for a scalar past the BMP (two input chars).</summary>
    public override int MaxOutputCharactersPerInputCharacter => 6;

    private static bool Escaped(int c) =>
        c < 0x20 || c >= 0x7F || c is '"' or '&' or '\'' or '+' or '<' or '>' or '\\' or '`';

    public override bool WillEncode(int unicodeScalar) => Escaped(unicodeScalar);

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        for (int i = 0; i < textLength; i++)
            if (Escaped(text[i])) return i;
        return -1;
    }

    public override int FindFirstCharacterToEncodeUtf8(ReadOnlySpan<byte> utf8Text)
    {
        for (int i = 0; i < utf8Text.Length; i++)
            if (Escaped(utf8Text[i])) return i; // every byte of a multi-byte sequence is >= 0x80
        return -1;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var dst = new Span<char>(buffer, bufferLength);
        numberOfCharactersWritten = 0;
        if (!Escaped(unicodeScalar))
        {
            if (dst.Length < 1) return false;
            dst[0] = (char)unicodeScalar;
            numberOfCharactersWritten = 1;
            return true;
        }
        char shortForm = unicodeScalar switch
        {
            '\b' => 'b', '\t' => 't', '\n' => 'n', '\f' => 'f', '\r' => 'r', '\\' => '\\', _ => '\0',
        };
        if (shortForm != '\0')
        {
            if (dst.Length < 2) return false;
            dst[0] = '\\';
            dst[1] = shortForm;
            numberOfCharactersWritten = 2;
            return true;
        }
        if (unicodeScalar < 0x10000)
        {
            if (dst.Length < 6) return false;
            Hex4(dst, unicodeScalar);
            numberOfCharactersWritten = 6;
            return true;
        }
        if (dst.Length < 12) return false;
        int v = unicodeScalar - 0x10000;
        Hex4(dst, 0xD800 + (v >> 10));
        Hex4(dst[6..], 0xDC00 + (v & 0x3FF));
        numberOfCharactersWritten = 12;
        return true;
    }

    private static void Hex4(Span<char> dst, int value)
    {
        const string Digits = "0123456789ABCDEF";
        dst[0] = '\\';
        dst[1] = 'u';
        dst[2] = Digits[(value >> 12) & 0xF];
        dst[3] = Digits[(value >> 8) & 0xF];
        dst[4] = Digits[(value >> 4) & 0xF];
        dst[5] = Digits[value & 0xF];
    }
}
