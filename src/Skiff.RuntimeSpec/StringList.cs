namespace Skiff.RuntimeSpec;

/// <summary>
/// Membership in a read-only list of strings by ordinal comparison, with a loop over the indexer. Not LINQ's
/// Contains: that calls ICollection&lt;T&gt;.Contains through the interface, and one such call anywhere in the binary
/// makes the compiler give every array type (arrays are covariant) a Contains/IndexOf implementation and an equality
/// comparer: about 40 KB of type data that each start of skiff rehydrates (issue 14).
/// </summary>
public static class StringList
{
    /// <summary>True when <paramref name="list"/> holds <paramref name="value"/> (ordinal); false for a null list.</summary>
    public static bool Contains(IReadOnlyList<string>? list, string value)
    {
        if (list is null) return false;
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return true;
        return false;
    }
}
