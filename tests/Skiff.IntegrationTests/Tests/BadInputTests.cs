using Skiff.IntegrationTests.Harness;
using Xunit;

namespace Skiff.IntegrationTests.Tests;

/// <summary>
/// Every case of <see cref="BadInputCorpus"/> through `run`: exit 1, exactly one error line containing the case's
/// fragment, no stack trace, no hang (the harness' timeout), nothing left behind. Cases where runc 1.1 differs
/// are skiff-only; the rest run against runc too.
/// </summary>
public sealed class BadInputTests : ContainerTest
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in BadInputCorpus.All)
        {
            data.Add(c.Name);
        }
        return data;
    }

    [Fact]
    public void TheCorpusHasAtLeastAHundredConfigs()
    {
        Assert.True(BadInputCorpus.All.Count >= 100, $"{BadInputCorpus.All.Count} cases");
        Assert.Equal(BadInputCorpus.All.Count, BadInputCorpus.All.Select(c => c.Name).Distinct().Count());
    }

    [Fact]
    public void ARefusedConfigLeavesNoSpawnedInitBehind()
    {
        // skiff spawns `skiff init` in the bundle directory before it reads the config; a refused config must
        // end that process too. Control: the leak check sees a process left in the bundle directory.
        var b = NewBundle("true");
        b.Save();
        using (var stray = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("/bin/sleep", "30") { WorkingDirectory = b.Dir })!)
        {
            Assert.Contains(Leaks.Find(Rt.Root, NewId("ctl"), [], [], [b.Dir]), p => p.Contains($"process {stray.Id} ", StringComparison.Ordinal));
            stray.Kill();
            stray.WaitForExit();
        }
        File.WriteAllText(b.ConfigPath, "{\"ociVersion\": \"1.0.2\", \"process\": ");
        foreach (string verb in new[] { "create", "run" })
        {
            var id = NewId("bad");
            var r = Rt.Exec([verb, "-b", b.Dir, id]);
            r.AssertFailure(exitCode: 1);
            Assert.Single(r.ErrorMessages);
            Assert.Empty(Leaks.Find(Rt.Root, id, [], [], [b.Dir]));
            AssertNothingLeaked(id, b);
        }
    }

    [Fact]
    public void AConfigThatIsADirectory()
    {
        var b = NewBundle("true");
        Directory.CreateDirectory(b.ConfigPath);
        var id = NewId("bad");
        var r = Rt.Exec(["run", "-b", b.Dir, id]);
        r.AssertFailure("read config.json: is a directory", exitCode: 1);
        Assert.Single(r.ErrorMessages);
        AssertNothingLeaked(id, b);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IsRefusedWithOneClearLine(string name)
    {
        var c = BadInputCorpus.All.Single(x => x.Name == name);
        if (RepoPaths.IsRunc && !c.Runc)
        {
            return; // runc 1.1 deviates here (see the corpus)
        }
        var b = NewBundle("true");
        b.Save();
        File.WriteAllBytes(b.ConfigPath, c.Make(File.ReadAllText(b.ConfigPath)));
        var id = NewId("bad");
        var r = Rt.Exec(["run", "-b", b.Dir, id], timeout: TimeSpan.FromSeconds(30));
        r.AssertFailure(c.Fragment, exitCode: 1);
        Assert.True(r.ErrorMessages.Count == 1, $"expected one error line, got:\n{r.Stderr}");
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", r.Stdout);
        AssertNothingLeaked(id, b);
    }
}
