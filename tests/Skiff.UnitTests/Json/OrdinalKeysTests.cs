using Skiff.RuntimeSpec;
using Xunit;

namespace Skiff.UnitTests.Json;

public class OrdinalKeysTests
{
    [Fact]
    public void SortsByteWiseAsGoDoes()
    {
        // Go compares strings byte by byte: upper case before lower case, a prefix first, UTF-8 after ASCII.
        var map = new Dictionary<string, int> { ["b"] = 1, ["é"] = 2, ["B"] = 3, ["aa"] = 4, ["a"] = 5, ["_"] = 6 };
        Assert.Equal(["B", "_", "a", "aa", "b", "é"], OrdinalKeys.Sorted(map.Keys));
    }

    [Fact]
    public void EmptyMapGivesNoKeys() => Assert.Empty(OrdinalKeys.Sorted(new Dictionary<string, string>().Keys));
}
