using Skiff.LibContainer.ProcessAttributes;
using Skiff.LibContainer;
using Skiff.Linux;
using Xunit;

namespace Skiff.UnitTests.ProcessAttributes;

/// <summary>The isolated-cpu affinity transition (runc 1.2's isolatedCPUAffinityTransition/getEligibleCPU).</summary>
public sealed class CpuAffinityTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("skiff-affinity-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static Dictionary<string, string> Ann(string? value) =>
        value is null ? [] : new Dictionary<string, string> { [CpuAffinity.Annotation] = value };

    private void Cmdline(string text) => Write("proc/cmdline", text);

    private void NohzSysfs(string text) => Write("sys/devices/system/cpu/nohz_full", text);

    private void Write(string rel, string text)
    {
        string path = Path.Combine(_root, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    [Theory]
    // no cpuset or no isolated cpus: none
    [InlineData("", "2-15,18-31,34-47", -1)]
    [InlineData("0-15", "", -1)]
    // none of the cpuset is isolated (either way round): none
    [InlineData("0-1,16-17,32-33", "2-15,18-31,34-47", -1)]
    [InlineData("2-15,18-31,34-47", "0-1,16-17,32-33", -1)]
    // all isolated: the first cpu of the cpuset
    [InlineData("4-7", "2-15,18-31,34-47", 4)]
    [InlineData("40-47", "2-15,18-31,34-47", 40)]
    [InlineData("24-31", "2-15,18-31,34-47", 24)]
    [InlineData("3-4", "0-4", 3)]
    // mixed: the first housekeeping cpu
    [InlineData("8-31", "2-15,18-31,34-47", 16)]
    [InlineData("0-3", "2-3", 0)]
    [InlineData("2-5", "0-3", 4)]
    // isolated mask shorter than the cpuset: cpus beyond it are not looked at
    [InlineData("60-63", "0-1", -1)]
    public void EligibleCpu(string cpuset, string isolated, int expected) =>
        Assert.Equal(expected, CpuAffinity.EligibleCpu(cpuset, isolated));

    [Theory]
    [InlineData("core0 to core15", "2-15")]
    [InlineData("0-15", "core0 to core15")]
    [InlineData("5-3", "0-7")]
    public void BadListsAreErrors(string cpuset, string isolated) =>
        Assert.Throws<FormatException>(() => CpuAffinity.EligibleCpu(cpuset, isolated));

    [Fact]
    public void WithoutTheAnnotationNothingChanges()
    {
        NohzSysfs("0-4\n");
        Assert.Equal((-1, false), CpuAffinity.Transition(_root, "0-15", Ann(null)));
        Assert.Equal((-1, false), CpuAffinity.Transition(_root, "3-4", null));
    }

    [Theory]
    [InlineData("temporary", false)]
    [InlineData("definitive", true)]
    public void NohzFullFromSysfs(string transition, bool definitive)
    {
        NohzSysfs("0-4\n");
        Assert.Equal((3, definitive), CpuAffinity.Transition(_root, "3-4", Ann(transition)));
    }

    [Theory]
    [InlineData("temporary", false)]
    [InlineData("definitive", true)]
    public void NohzFullFromTheKernelCommandLineWins(string transition, bool definitive)
    {
        Cmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 nohz_full=0-4 quiet\n");
        NohzSysfs("6-7\n");
        Assert.Equal((3, definitive), CpuAffinity.Transition(_root, "3-4", Ann(transition)));
    }

    [Fact]
    public void NoEligibleCpuIsNeverDefinitive()
    {
        NohzSysfs("0-4\n");
        Assert.Equal((-1, false), CpuAffinity.Transition(_root, "8-15", Ann("definitive")));
    }

    [Fact]
    public void NullOrMissingIsolatedSetMeansNone()
    {
        Assert.Equal((-1, false), CpuAffinity.Transition(_root, "0-15", Ann("temporary")));
        NohzSysfs("(null)\n");
        Assert.Equal((-1, false), CpuAffinity.Transition(_root, "0-15", Ann("temporary")));
        Assert.Equal((-1, false), CpuAffinity.Transition(_root, "", Ann("temporary")));
    }

    [Fact]
    public void BadIsolatedSetIsAnError()
    {
        NohzSysfs("bad_isolated_set\n");
        var ex = Assert.Throws<ContainerException>(() => CpuAffinity.Transition(_root, "0-15", Ann("temporary")));
        Assert.StartsWith("getting eligible cpu: parsing isolated cpus list bad_isolated_set", ErrorText.Render(ex));
        File.Delete(Path.Combine(_root, "sys/devices/system/cpu/nohz_full"));
        Cmdline("nohz_full=bad_isolated_set");
        Assert.Throws<ContainerException>(() => CpuAffinity.Transition(_root, "0-15", Ann("temporary")));
    }

    [Fact]
    public void AnUnknownTransitionIsAnError()
    {
        var ex = Assert.Throws<ContainerException>(() => CpuAffinity.Transition(_root, "0-15", Ann("sometimes")));
        Assert.Equal($"unknown transition value \"sometimes\" for annotation {CpuAffinity.Annotation}", ex.Message);
    }

    [Fact]
    public void KernelParamTakesTheFirstMatchOnly()
    {
        Cmdline("a=1 nohz_fullx=9 nohz_full=2-3 nohz_full=7\n");
        Assert.Equal("2-3", CpuAffinity.KernelParam(_root, "nohz_full"));
        Assert.Null(CpuAffinity.KernelParam(_root, "isolcpus"));
    }

    [Fact]
    public void ParseListAcceptsSpacesAndEmptyElements()
    {
        Assert.Equal([0, 1, 2, 5, 8, 9], CpuList.Parse(" 0-2, 5,,8-9 "));
        Assert.Throws<FormatException>(() => CpuList.Parse(","));
    }

    [Theory]
    [InlineData(",", "no members found in set \",\"")]
    [InlineData("x", "strconv.ParseUint: parsing \"x\": invalid syntax")]
    [InlineData("-1", "strconv.ParseUint: parsing \"\": invalid syntax")]
    [InlineData("3-1", "invalid range: 3-1")]
    [InlineData("65537", "values larger than 65536 are not supported")]
    [InlineData("99999999999", "strconv.ParseUint: parsing \"99999999999\": value out of range")]
    public void ParseListErrorsAreRuncs(string list, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => CpuList.Parse(list)).Message);

    [Fact]
    public void AThreadAffinityRoundTrips()
    {
        // on a dedicated thread, so the test runner's threads keep their affinity
        List<int>? before = null, pinned = null;
        var t = new Thread(() =>
        {
            before = Libc.GetAffinity(0);
            Libc.SetAffinity(0, [before[0]]);
            pinned = Libc.GetAffinity(0);
        });
        t.Start();
        t.Join();
        Assert.NotEmpty(before!);
        Assert.Equal([before![0]], pinned);
    }
}
