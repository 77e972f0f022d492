namespace Skiff.RuntimeSpec;

/// <summary>
/// A map's keys in ordinal order: the order Go's encoding/json writes a map in, and the one fixed order skiff walks
/// a spec map in. A sorted list of the keys rather than LINQ's OrderBy: OrderBy over KeyValuePair&lt;string, T&gt;
/// (a struct) compiles its own sorter, iterators and type data for every T, which every start of skiff rehydrates.
/// </summary>
public static class OrdinalKeys
{
    /// <summary>The keys, sorted with <see cref="StringComparer.Ordinal"/> (Go's byte-wise string order).</summary>
    public static List<string> Sorted(IEnumerable<string> keys)
    {
        var list = new List<string>(keys);
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
