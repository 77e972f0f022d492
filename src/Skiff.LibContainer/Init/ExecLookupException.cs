namespace Skiff.LibContainer.Init;

/// <summary>The lookup failed: the message is Go's exec.Error text runc prints.</summary>
internal sealed class ExecLookupException : ContainerException
{
    public ExecLookupException(string name, string reason, bool notFound)
        : base($"exec: {GoQuote(name)}: {reason}")
    {
        Name = name;
        NotFound = notFound;
    }

    public string Name { get; }

    /// <summary>True for "executable file not found in $PATH" (exit 127 for docker), else permission-like (126).</summary>
    public bool NotFound { get; }

    internal static string GoQuote(string s)
    {
        var sb = new System.Text.StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20 || c == 0x7f) sb.Append("\\x").Append(((int)c).ToString("x2"));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
