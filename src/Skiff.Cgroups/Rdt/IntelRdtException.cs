namespace Skiff.Cgroups.Rdt;

/// <summary>An Intel RDT (resctrl) configuration or runtime error.</summary>
public sealed class IntelRdtException : Exception
{
    public IntelRdtException(string message) : base(message) { }
    public IntelRdtException(string message, Exception? inner) : base(message, inner) { }
}
