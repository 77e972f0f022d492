using Xunit;

namespace Skiff.IntegrationTests.Harness;

/// <summary>The theory form of <see cref="FactUnlessRunc11Attribute"/>.</summary>
public sealed class TheoryUnlessRunc11Attribute : TheoryAttribute
{
    public TheoryUnlessRunc11Attribute(string deviation)
    {
        if (RuntimeInfo.IsRunc11)
        {
            Skip = "runc 1.1 deviation: " + deviation;
        }
    }
}
