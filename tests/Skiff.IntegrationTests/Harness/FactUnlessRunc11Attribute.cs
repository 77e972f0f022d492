using Xunit;

namespace Skiff.IntegrationTests.Harness;

/// <summary>A fact skipped when the runtime under test is runc 1.1, which is known to deviate there
/// (the reason names the deviation); skiff and runc 1.2 must pass it.</summary>
public sealed class FactUnlessRunc11Attribute : FactAttribute
{
    public FactUnlessRunc11Attribute(string deviation)
    {
        if (RuntimeInfo.IsRunc11)
        {
            Skip = "runc 1.1 deviation: " + deviation;
        }
    }
}
