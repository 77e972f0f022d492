using System.Diagnostics;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.Linux;

public sealed class KernelReleaseTests
{
    [Fact]
    public void KernelReleaseIsWhatUnameRPrints()
    {
        var psi = new ProcessStartInfo("uname", "-r") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string expected = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, Libc.KernelRelease());
    }
}
