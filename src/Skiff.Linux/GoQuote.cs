using System.Globalization;
using System.Text;

namespace Skiff.Linux;

/// <summary>
/// Go's strconv.Quote (fmt's %q on a string), the one copy every layer uses for messages runc prints with %q:
/// double quotes; \a \b \f \n \r \t \v \\ \" as escapes; other control and non-printable characters as \xNN
/// (below U+0080), \uNNNN or \UNNNNNNNN; printable Unicode (letters, marks, numbers, punctuation, symbols and the
/// ASCII space, as Go's unicode.IsPrint) as itself.
/// </summary>
public static class GoQuote
{
    /// <summary><paramref name="s"/> quoted, with the surrounding double quotes.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        Append(sb, s);
        return sb.ToString();
    }

    /// <summary>Appends <paramref name="s"/> quoted, with the surrounding double quotes.</summary>
    public static void Append(StringBuilder sb, string s)
    {
        sb.Append('"');
        for (int i = 0; i < s.Length; i++)
        {
            int cp = s[i];
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                cp = char.ConvertToUtf32(s[i], s[++i]);
            AppendRune(sb, cp);
        }
        sb.Append('"');
    }

    private static void AppendRune(StringBuilder sb, int cp)
    {
        switch (cp)
        {
            case '"': sb.Append("\\\""); return;
            case '\\': sb.Append("\\\\"); return;
            case '\a': sb.Append("\\a"); return;
            case '\b': sb.Append("\\b"); return;
            case '\f': sb.Append("\\f"); return;
            case '\n': sb.Append("\\n"); return;
            case '\r': sb.Append("\\r"); return;
            case '\t': sb.Append("\\t"); return;
            case '\v': sb.Append("\\v"); return;
        }
        if (IsPrint(cp))
        {
            sb.Append(char.ConvertFromUtf32(cp));
            return;
        }
        if (cp < 0x80) sb.Append("\\x").Append(cp.ToString("x2", CultureInfo.InvariantCulture));
        else if (cp < 0x10000) sb.Append("\\u").Append(cp.ToString("x4", CultureInfo.InvariantCulture));
        else sb.Append("\\U").Append(cp.ToString("x8", CultureInfo.InvariantCulture));
    }

    private static bool IsPrint(int cp)
    {
        if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
        if (cp is >= 0xd800 and <= 0xdfff) return false; // an unpaired surrogate
        return CharUnicodeInfo.GetUnicodeCategory(cp) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
                or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
            _ => true,
        };
    }
}
