using Skiff.LibContainer;
using Xunit;

namespace Skiff.UnitTests.LibContainer;

public class ProcStatTests
{
    [Fact]
    public void ReadsOwnStartTimeAndState()
    {
        var st = ProcStat.Read(Environment.ProcessId);
        Assert.NotNull(st);
        Assert.True(st.Value.Start > 0);
        Assert.True(ProcStat.IsAlive(Environment.ProcessId, st.Value.Start));
        Assert.False(ProcStat.IsAlive(Environment.ProcessId, st.Value.Start + 1)); // pid reuse guard
    }

    [Fact]
    public void ALiveProcessIsNotExitingAndAMissingOneIs()
    {
        Assert.False(ProcStat.IsExiting(Environment.ProcessId));
        Assert.True(ProcStat.IsExiting(int.MaxValue - 1));
    }

    /// <summary>A comm with spaces and parentheses (the exec'd file's name), a live process and a zombie: the
    /// fields come from after the last ')' and agree with a plain split of the text.</summary>
    [Fact]
    public void ParsesAfterTheLastParenthesis()
    {
        string dir = Directory.CreateTempSubdirectory("procstat").FullName;
        try
        {
            string odd = Path.Combine(dir, "a) b (c");
            File.CreateSymbolicLink(odd, "/bin/sleep");
            int pid = Skiff.Linux.Spawner.Spawn(odd, [odd, "30"], [], [0, 1, 2]);
            string text = "";
            for (int i = 0; i < 100 && !text.Contains("a) b (c"); i++)
            {
                Thread.Sleep(10);
                text = File.ReadAllText($"/proc/{pid}/stat");
            }
            Assert.Contains("(a) b (c)", text); // control: the comm is the odd one
            string[] f = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            var st = ProcStat.Read(pid);
            Assert.NotNull(st);
            Assert.Equal(f[0][0], st.Value.State);
            Assert.Equal(ulong.Parse(f[19]), st.Value.Start);
            Assert.True(ProcStat.IsAlive(pid, st.Value.Start));
            Assert.False(ProcStat.IsExiting(pid));

            // killed and not reaped yet: a zombie
            Assert.Equal(0, Skiff.Linux.Libc.kill(pid, 9));
            string state = "";
            for (int i = 0; i < 200 && state != "Z"; i++)
            {
                Thread.Sleep(10);
                string t = File.ReadAllText($"/proc/{pid}/stat");
                state = t[(t.LastIndexOf(')') + 2)..].Split(' ')[0];
            }
            Assert.Equal("Z", state); // control: nothing reaped it yet
            Assert.Equal('Z', ProcStat.Read(pid)!.Value.State);
            Assert.False(ProcStat.IsAlive(pid, st.Value.Start));
            Assert.True(ProcStat.IsExiting(pid));
            Skiff.Linux.Libc.WaitExit(pid);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MissingProcessIsNull()
    {
        Assert.Null(ProcStat.Read(int.MaxValue - 1));
        Assert.Null(ProcStat.Read(0));
    }

    [Theory]
    [InlineData("ok-1")]
    [InlineData("a.b_c+d")]
    public void GoodIds(string id) => Ids.Validate(id);

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("a b")]
    public void BadIds(string id) => Assert.Throws<ContainerException>(() => Ids.Validate(id));
}
