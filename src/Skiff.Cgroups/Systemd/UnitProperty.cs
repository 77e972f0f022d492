namespace Skiff.Cgroups.Systemd;

/// <summary>
/// One property of a transient unit (D-Bus <c>(sv)</c>): its name, the variant's signature and the value, one of
/// bool ("b"), ulong ("t"), string ("s"), uint[] ("au"), byte[] ("ay") or (string, string)[] ("a(ss)").
/// </summary>
internal readonly record struct UnitProperty(string Name, string Signature, object Value)
{
    public static UnitProperty Bool(string name, bool v) => new(name, "b", v);
    public static UnitProperty UInt64(string name, ulong v) => new(name, "t", v);
    public static UnitProperty String(string name, string v) => new(name, "s", v);
    public static UnitProperty UInt32s(string name, uint[] v) => new(name, "au", v);
    public static UnitProperty Bytes(string name, byte[] v) => new(name, "ay", v);
    public static UnitProperty Pairs(string name, (string, string)[] v) => new(name, "a(ss)", v);

    public override string ToString() => Value switch
    {
        uint[] a => $"{Name}=[{string.Join(' ', a)}]",
        byte[] b => $"{Name}=[{Convert.ToHexString(b)}]",
        (string, string)[] p => $"{Name}=[{string.Join(", ", Array.ConvertAll(p, x => x.Item1 + " " + x.Item2))}]",
        _ => $"{Name}={Value}",
    };
}
