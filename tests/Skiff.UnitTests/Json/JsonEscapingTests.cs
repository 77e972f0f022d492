using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Skiff.RuntimeSpec.Json;
using Xunit;

namespace Skiff.UnitTests.Json;

/// <summary>JsonEscaping writes what a Utf8JsonWriter without an encoder writes (JavaScriptEncoder.Default's).</summary>
public sealed class JsonEscapingTests
{
    private static string Written(string s, JavaScriptEncoder? encoder, bool asName)
    {
        var buf = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buf, new JsonWriterOptions { Encoder = encoder }))
        {
            w.WriteStartObject();
            if (asName) w.WriteString(s, "v");
            else w.WriteString("k", s);
            w.WritePropertyName(Encoding.UTF8.GetBytes("n" + s));
            w.WriteStringValue(Encoding.UTF8.GetBytes(s));
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buf.WrittenSpan);
    }

    private static List<string> Samples()
    {
        var d = new List<string>
        {
            "", "plain", "a\"b", "a\\b", "<script>&'+`", "tab\there\nnew\rret\bback\fform", "/slash/",
            "\u007f\u0080\u00e9\u00ff", "\u2028\u2029", "snow \u2603 man", "\ud83d\ude00 emoji", "\ud83d lone high",
            "lone low \ude00", "\ufffd\uffff", "mixed \u0001\u001f\u0020~",
        };
        // every single character of the BMP's first 0x800 and a spread of the rest, alone and between letters
        for (int c = 0; c < 0x10000; c += c < 0x800 ? 1 : 97)
        {
            if (c is >= 0xD800 and <= 0xDFFF) continue;
            d.Add(((char)c).ToString());
            d.Add("x" + (char)c + "y");
        }
        return d;
    }

    [Fact]
    public void WritesWhatTheDefaultEncoderWrites()
    {
        var samples = Samples();
        Assert.True(samples.Count > 2000);
        foreach (string s in samples)
        {
            Assert.Equal(Written(s, null, asName: false), Written(s, JsonEscaping.Instance, asName: false));
            Assert.Equal(Written(s, null, asName: true), Written(s, JsonEscaping.Instance, asName: true));
        }
    }

    [Fact]
    public void ControlEscapesAnything()
    {
        // the comparison above is not vacuous: these strings are written escaped, not as they are
        Assert.Contains("\\u0022", Written("\"", JsonEscaping.Instance, asName: false));
        Assert.Contains("\\u00E9", Written("\u00e9", JsonEscaping.Instance, asName: false));
        Assert.Contains("\\uD83D\\uDE00", Written("\ud83d\ude00", JsonEscaping.Instance, asName: false));
        Assert.Contains("\\n", Written("\n", JsonEscaping.Instance, asName: false));
    }
}
