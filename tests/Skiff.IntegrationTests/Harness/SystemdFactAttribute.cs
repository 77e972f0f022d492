using Xunit;

namespace Skiff.IntegrationTests.Harness;

/// <summary>A fact that needs a real systemd (<see cref="SystemdHost"/>): skipped, with the reason, where none can be booted.</summary>
public sealed class SystemdFactAttribute : FactAttribute
{
    public SystemdFactAttribute()
    {
        if (SystemdHost.WhyNot(SystemdHost.DefaultRootfs) is { } reason)
        {
            Skip = reason;
        }
    }
}
