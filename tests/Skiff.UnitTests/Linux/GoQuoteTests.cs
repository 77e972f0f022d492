using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public class GoQuoteTests
{
    // Expected values follow Go's strconv.Quote rules (appendEscapedRune, unicode.IsPrint).
    [Theory]
    [InlineData("", "\"\"")]
    [InlineData("SIGFOO", "\"SIGFOO\"")]
    [InlineData("a \"b\" \\c", "\"a \\\"b\\\" \\\\c\"")]
    [InlineData("tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\r\"")]
    [InlineData("\a\b\f\v", "\"\\a\\b\\f\\v\"")]
    [InlineData("\u0001\u001f\u007f", "\"\\x01\\x1f\\x7f\"")]
    [InlineData("héllo 世界", "\"héllo 世界\"")]
    [InlineData("nb\u00a0sp", "\"nb\\u00a0sp\"")]
    [InlineData("zw\u200bsp", "\"zw\\u200bsp\"")]
    [InlineData("\u0085", "\"\\u0085\"")]
    [InlineData("emoji 😀", "\"emoji 😀\"")]
    [InlineData("\U000e0001", "\"\\U000e0001\"")]
    public void QuoteIsGoStrconvQuote(string input, string expected) => Assert.Equal(expected, GoQuote.Quote(input));

    [Fact]
    public void AppendAddsToTheBuilder()
    {
        var sb = new System.Text.StringBuilder("msg=");
        GoQuote.Append(sb, "a\nb");
        Assert.Equal("msg=\"a\\nb\"", sb.ToString());
    }
}
